import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import type { ExportCompression } from '../formats/file-encoding';
import type { ExportFormat } from '../formats/row-formatter';
import type { ExportDataType } from '../jobs/partition-planner';
import type { Cadence } from '../scheduler/periods';

export type ScheduleMode = 'period' | 'incremental';

export interface ScheduleDelivery {
  webhookUrl: string;
  /** The notification endpoint that signs and sends to `webhookUrl` with the schedule's own secret. */
  webhookEndpointId: string;
  emails: string[];
  destinationId: string;
}

/**
 * `export_schedules`: a scheduled export (seed 003). Created by insert; a PATCH is one `$set` of whole fields
 * with no read first (last writer wins, as for features); DELETE removes it. The scheduler only reads them.
 */
export interface ExportScheduleRecord {
  _id: string;
  appId: string;
  frequency: Cadence;
  dataTypes: ExportDataType[];
  format: ExportFormat;
  /** Absent (schedules stored before compression was a choice): gzip. */
  compression?: ExportCompression;
  userIds: string[];
  companyIds: string[];
  eventTypes: string[];
  filter: string;
  mode: ScheduleMode;
  delivery: ScheduleDelivery;
  /** Periods that end after this instant run (creation, or the last change of frequency). */
  activeSince: Date;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<ExportScheduleRecord>(
  {
    _id: String,
    appId: String,
    frequency: String,
    dataTypes: [String],
    format: String,
    compression: String,
    userIds: [String],
    companyIds: [String],
    eventTypes: [String],
    filter: String,
    mode: String,
    delivery: { webhookUrl: String, webhookEndpointId: String, emails: [String], destinationId: String },
    activeSince: Date,
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'export_schedules' },
);

@Injectable()
export class ExportScheduleRepository implements OnModuleInit {
  private readonly schedules: Model<ExportScheduleRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.schedules = connection.model('ExportSchedule', schema);
  }

  async onModuleInit(): Promise<void> {
    await this.schedules.collection.createIndex({ appId: 1 });
  }

  async insert(record: ExportScheduleRecord): Promise<void> {
    await this.schedules.collection.insertOne(record as never);
  }

  find(appId: string, id: string): Promise<ExportScheduleRecord | null> {
    return this.schedules.findOne({ _id: id, appId }).lean<ExportScheduleRecord>().exec();
  }

  list(appId: string): Promise<ExportScheduleRecord[]> {
    return this.schedules.find({ appId }).sort({ createdAt: 1 }).lean<ExportScheduleRecord[]>().exec();
  }

  /** Every schedule, across apps (what the scheduler looks at). */
  listAll(): Promise<ExportScheduleRecord[]> {
    return this.schedules.find({}).lean<ExportScheduleRecord[]>().exec();
  }

  /** One `$set` of whole fields; answers whether the schedule still exists. */
  async update(appId: string, id: string, fields: Partial<ExportScheduleRecord>): Promise<boolean> {
    const result = await this.schedules.updateOne({ _id: id, appId }, { $set: fields }).exec();
    return result.matchedCount > 0;
  }

  async delete(appId: string, id: string): Promise<boolean> {
    return (await this.schedules.deleteOne({ _id: id, appId }).exec()).deletedCount > 0;
  }
}
