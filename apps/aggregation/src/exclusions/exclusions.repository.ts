import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

/**
 * An app's exclusion list: users and companies left out of exports when a request asks for `exclusions`.
 * Stored as one `list` document per app (written whole by PUT /api/v1/exclusions); `user` / `company`
 * records of one value each are the earlier shape, still read, and removed by the next PUT.
 */
export interface ExclusionRecord {
  /** `<appId>|list`, or `<appId>|<kind>|<value>` for a single-value record. */
  _id: string;
  appId: string;
  kind: 'list' | 'user' | 'company';
  value?: string;
  userIds?: string[];
  companyIds?: string[];
  createdAt?: Date;
  updatedAt?: Date;
}

export interface ExclusionList {
  userIds: string[];
  companyIds: string[];
}

const exclusionSchema = new Schema<ExclusionRecord>(
  {
    _id: String,
    appId: String,
    kind: String,
    value: String,
    userIds: [String],
    companyIds: [String],
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'exclusions' },
);

/**
 * Concurrency: PUT replaces the app's list document in one write that reads nothing first, so concurrent
 * PUTs leave one of the lists sent (last writer wins), never a mix of them.
 */
@Injectable()
export class ExclusionsRepository implements OnModuleInit {
  private readonly model: Model<ExclusionRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.model = connection.model('Exclusion', exclusionSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.model.collection.createIndex({ appId: 1, kind: 1 });
  }

  async replace(appId: string, list: ExclusionList, now: Date): Promise<void> {
    const replace = () =>
      this.model.replaceOne(
        { _id: `${appId}|list`, appId },
        { _id: `${appId}|list`, appId, kind: 'list', userIds: list.userIds, companyIds: list.companyIds, updatedAt: now },
        { upsert: true },
      );
    try {
      await replace();
    } catch (error) {
      // Two first PUTs raced to insert the document: it exists now, so the replace matches it.
      if ((error as { code?: number }).code !== 11000) throw error;
      await replace();
    }
    // Single-value records of the earlier shape are superseded by the list (one equality each).
    for (const kind of ['user', 'company'] as const) await this.model.deleteMany({ appId, kind });
  }

  async list(appId: string): Promise<ExclusionList> {
    const rows = await this.model.find({ appId }).lean<ExclusionRecord[]>().exec();
    const userIds = new Set<string>();
    const companyIds = new Set<string>();
    for (const row of rows) {
      if (row.kind === 'list') {
        for (const id of row.userIds ?? []) userIds.add(id);
        for (const id of row.companyIds ?? []) companyIds.add(id);
      } else if (row.kind === 'user' && row.value !== undefined) userIds.add(row.value);
      else if (row.kind === 'company' && row.value !== undefined) companyIds.add(row.value);
    }
    return { userIds: [...userIds], companyIds: [...companyIds] };
  }
}
