import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import type { SealedDestination } from '../destinations';
import type { Cadence } from '../scheduler/periods';

/**
 * `automatic_exports` (_id = app id): an app's automatic company export settings, replaced whole by each PUT
 * (no read first; last writer wins, as for the exclusion list). The scheduler only reads them.
 */
export interface AutomaticExportRecord {
  _id: string;
  appId: string;
  enabled: boolean;
  cadence: Cadence;
  destination: SealedDestination | null;
  /** Periods that end after this instant run (set when the export is enabled or its cadence changes). */
  activeSince: Date;
  updatedAt: Date;
}

const schema = new Schema<AutomaticExportRecord>(
  {
    _id: String,
    appId: String,
    enabled: Boolean,
    cadence: String,
    destination: Schema.Types.Mixed,
    activeSince: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'automatic_exports' },
);

@Injectable()
export class AutomaticExportRepository implements OnModuleInit {
  private readonly settings: Model<AutomaticExportRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.settings = connection.model('AutomaticExport', schema);
  }

  async onModuleInit(): Promise<void> {
    await this.settings.collection.createIndex({ enabled: 1 });
  }

  find(appId: string): Promise<AutomaticExportRecord | null> {
    return this.settings.findOne({ _id: appId, appId }).lean<AutomaticExportRecord>().exec();
  }

  /** Replaces the app's settings whole; a racing first insert (duplicate key) is retried as a replace. */
  async replace(record: AutomaticExportRecord): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.settings.collection.replaceOne({ _id: record._id, appId: record.appId } as never, record as never, {
          upsert: true,
        });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000 || attempt >= 2) throw error;
      }
    }
  }

  /** Every enabled automatic export, across apps (what the scheduler looks at). */
  listEnabled(): Promise<AutomaticExportRecord[]> {
    return this.settings.find({ enabled: true }).lean<AutomaticExportRecord[]>().exec();
  }
}
