import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { Plan, Privilege } from './plan';

export interface AppRecord {
  _id: string;
  name: string;
  plan: Plan;
  trackingKey: string;
  createdAt: Date;
}

export interface ApiKeyRecord {
  _id: string;
  appId: string;
  /** The first characters of the key, to find it without storing it. */
  prefix: string;
  /** SHA-256 of the whole key (keys are 190+ bits random, so a fast hash is enough). */
  hash: string;
  privileges: Privilege[];
  createdAt: Date;
  revokedAt?: Date | null;
}

const appSchema = new Schema<AppRecord>(
  { _id: String, name: String, plan: String, trackingKey: String, createdAt: Date },
  { versionKey: false, collection: 'apps' },
);
const apiKeySchema = new Schema<ApiKeyRecord>(
  { _id: String, appId: String, prefix: String, hash: String, privileges: [String], createdAt: Date, revokedAt: Date },
  { versionKey: false, collection: 'api_keys' },
);

/**
 * Apps and their API keys. The only code that knows how they are stored.
 *
 * Concurrency (FerretDB 1.24 rewrites a whole document on every update, so two updates of one document can
 * lose one): each API key is a document of its own, created by a unique insert and revoked by a $set of
 * `revokedAt` on that document only. Nothing ever clears `revokedAt`, and no key lives in an array on the
 * app document, so a key creation, a revocation and a PATCH of the app never write the same document and a
 * revoked key cannot come back. The app document is written only by the admin PATCH (a $set of name and/or
 * plan, no prior read): concurrent PATCHes are last-writer-wins, per document on FerretDB.
 */
@Injectable()
export class AppRepository implements OnModuleInit {
  private readonly apps: Model<AppRecord>;
  private readonly keys: Model<ApiKeyRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.apps = connection.model('App', appSchema);
    this.keys = connection.model('ApiKey', apiKeySchema);
  }

  async onModuleInit(): Promise<void> {
    await this.apps.collection.createIndex({ trackingKey: 1 }, { unique: true });
    await this.keys.collection.createIndex({ prefix: 1 }, { unique: true });
    await this.keys.collection.createIndex({ appId: 1 });
  }

  async insertApp(app: AppRecord): Promise<void> {
    await this.apps.create(app);
  }

  findApp(appId: string): Promise<AppRecord | null> {
    return this.apps.findById(appId).lean<AppRecord>().exec();
  }

  /** Every app's id (the retention sweep goes through all apps). */
  async appIds(): Promise<string[]> {
    const apps = await this.apps.find({}, { _id: 1 }).lean<Pick<AppRecord, '_id'>[]>().exec();
    return apps.map((app) => app._id);
  }

  findAppByTrackingKey(trackingKey: string): Promise<AppRecord | null> {
    return this.apps.findOne({ trackingKey }).lean<AppRecord>().exec();
  }

  updateApp(appId: string, changes: Partial<Pick<AppRecord, 'name' | 'plan'>>): Promise<AppRecord | null> {
    return this.apps.findOneAndUpdate({ _id: appId }, { $set: changes }, { new: true }).lean<AppRecord>().exec();
  }

  async insertKey(key: ApiKeyRecord): Promise<void> {
    await this.keys.create(key);
  }

  findKeyByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    return this.keys.findOne({ prefix }).lean<ApiKeyRecord>().exec();
  }

  /** Returns false when the app has no such key. */
  async revokeKey(appId: string, keyId: string, at: Date): Promise<boolean> {
    const result = await this.keys.updateOne({ _id: keyId, appId }, { $set: { revokedAt: at } }).exec();
    return result.matchedCount === 1;
  }
}
