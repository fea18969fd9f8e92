import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import type { CoveoCsvFormat } from '../jobs/coveo-export';
import type { Cadence } from '../scheduler/periods';

/**
 * `coveo_export_schedules`: a Coveo-compatible export schedule. Created by insert, replaced whole by a PUT
 * (one `$set` of every field, no read first: last writer wins), removed by DELETE; the scheduler only reads.
 */
export interface CoveoScheduleRecord {
  _id: string;
  appId: string;
  frequency: Cadence;
  timezone: string;
  /** 0 = Monday ... 6 = Sunday: the weekday a weekly run happens. */
  weekday: number;
  tables: string[];
  dimensions: string[];
  commonFilters: string[];
  customEventsFilters: string[];
  csvFormat: CoveoCsvFormat;
  usingDisplayNames: boolean;
  notificationsEmails: string[];
  description: string;
  /** Periods that end after this instant run (creation, or the last change of its period rule). */
  activeSince: Date;
  createdAt: Date;
}

const schema = new Schema<CoveoScheduleRecord>(
  {
    _id: String,
    appId: String,
    frequency: String,
    timezone: String,
    weekday: Number,
    tables: [String],
    dimensions: [String],
    commonFilters: [String],
    customEventsFilters: [String],
    csvFormat: String,
    usingDisplayNames: Boolean,
    notificationsEmails: [String],
    description: String,
    activeSince: Date,
    createdAt: Date,
  },
  { versionKey: false, collection: 'coveo_export_schedules' },
);

@Injectable()
export class CoveoScheduleRepository implements OnModuleInit {
  private readonly schedules: Model<CoveoScheduleRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.schedules = connection.model('CoveoExportSchedule', schema);
  }

  async onModuleInit(): Promise<void> {
    await this.schedules.collection.createIndex({ appId: 1 });
  }

  async insert(record: CoveoScheduleRecord): Promise<void> {
    await this.schedules.collection.insertOne(record as never);
  }

  find(appId: string, id: string): Promise<CoveoScheduleRecord | null> {
    return this.schedules.findOne({ _id: id, appId }).lean<CoveoScheduleRecord>().exec();
  }

  list(appId: string): Promise<CoveoScheduleRecord[]> {
    return this.schedules.find({ appId }).sort({ createdAt: 1 }).lean<CoveoScheduleRecord[]>().exec();
  }

  listAll(): Promise<CoveoScheduleRecord[]> {
    return this.schedules.find({}).lean<CoveoScheduleRecord[]>().exec();
  }

  /** Replaces every field but the id, the app and the creation time; answers whether it still exists. */
  async replace(appId: string, id: string, fields: Omit<CoveoScheduleRecord, '_id' | 'appId' | 'createdAt'>): Promise<boolean> {
    return (await this.schedules.updateOne({ _id: id, appId }, { $set: fields }).exec()).matchedCount > 0;
  }

  async delete(appId: string, id: string): Promise<boolean> {
    return (await this.schedules.deleteOne({ _id: id, appId }).exec()).deletedCount > 0;
  }
}
