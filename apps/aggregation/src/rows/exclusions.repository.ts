import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

/** An app's exclusion list: users and companies left out of exports when a request asks for `exclusions`. */
export interface ExclusionRecord {
  /** `<appId>|<kind>|<value>` */
  _id: string;
  appId: string;
  kind: 'user' | 'company';
  value: string;
  createdAt: Date;
}

const exclusionSchema = new Schema<ExclusionRecord>(
  { _id: String, appId: String, kind: String, value: String, createdAt: Date },
  { versionKey: false, collection: 'exclusions' },
);

@Injectable()
export class ExclusionsRepository implements OnModuleInit {
  private readonly model: Model<ExclusionRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.model = connection.model('Exclusion', exclusionSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.model.collection.createIndex({ appId: 1, kind: 1 });
  }

  async add(appId: string, kind: ExclusionRecord['kind'], value: string, now: Date): Promise<void> {
    await this.model.updateOne(
      { _id: `${appId}|${kind}|${value}`, appId },
      { $setOnInsert: { appId, kind, value, createdAt: now } },
      { upsert: true },
    );
  }

  async list(appId: string): Promise<{ userIds: string[]; companyIds: string[] }> {
    const rows = await this.model.find({ appId }).lean<ExclusionRecord[]>().exec();
    return {
      userIds: rows.filter((r) => r.kind === 'user').map((r) => r.value),
      companyIds: rows.filter((r) => r.kind === 'company').map((r) => r.value),
    };
  }
}
