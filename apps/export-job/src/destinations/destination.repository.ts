import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Collection, Connection, Model, Schema } from 'mongoose';
import { DestinationProvider } from './destination-location';
import { DestinationCheckReason } from './destinations.errors';

export interface LastCheckRecord {
  at: Date;
  ok: boolean;
  reason: DestinationCheckReason | null;
  message: string | null;
}

/** `destinations`: one per stored destination of an app; `secret` is sealed with SecretBox (AES-256-GCM). */
export interface DestinationRecord {
  _id: string;
  appId: string;
  name: string;
  provider: DestinationProvider;
  bucket: string;
  region: string;
  key: string;
  endpoint: string;
  accessKeyId: string;
  secret: string;
  createdAt: Date;
  updatedAt: Date;
  lastCheck: LastCheckRecord;
}

/** What a PATCH writes: every field of the destination as checked, together. */
export type DestinationSettings = Pick<
  DestinationRecord,
  'name' | 'provider' | 'bucket' | 'region' | 'key' | 'endpoint' | 'accessKeyId' | 'secret' | 'updatedAt' | 'lastCheck'
>;

const lastCheckSchema = new Schema<LastCheckRecord>({ at: Date, ok: Boolean, reason: String, message: String }, { _id: false });

const destinationSchema = new Schema<DestinationRecord>(
  {
    _id: String,
    appId: String,
    name: String,
    provider: String,
    bucket: String,
    region: String,
    key: String,
    endpoint: String,
    accessKeyId: String,
    secret: String,
    createdAt: Date,
    updatedAt: Date,
    lastCheck: lastCheckSchema,
  },
  { versionKey: false, collection: 'destinations' },
);

/** At most this many schedules are named by a refused delete. */
const MAX_USERS_NAMED = 20;

/**
 * The `destinations` collection (export-job is its only writer), and a read-only look at `export_schedules`.
 *
 * Concurrency (FerretDB 1.24 rewrites the whole document on update and loses concurrent updates): a
 * destination is created by insert (unique _id). A PATCH checks the merged destination, then sets every field
 * of it in one `$set` (location, credentials, name, lastCheck), so concurrent PATCHes are last-writer-wins and
 * the stored combination is always one that was checked, never a mix. A check writes only `lastCheck`, and only
 * while `updatedAt` is the one it read, so a PATCH that landed during the (seconds long) check is not undone.
 */
@Injectable()
export class DestinationRepository implements OnModuleInit {
  private readonly destinations: Model<DestinationRecord>;
  private readonly schedules: Collection;

  constructor(@InjectConnection() connection: Connection) {
    this.destinations = connection.model('Destination', destinationSchema);
    // Owned by the scheduler: read here only to refuse deleting a destination a schedule delivers to.
    this.schedules = connection.collection('export_schedules');
  }

  async onModuleInit(): Promise<void> {
    await this.destinations.collection.createIndex({ appId: 1 });
  }

  async insert(destination: DestinationRecord): Promise<void> {
    await this.destinations.collection.insertOne(destination as never);
  }

  find(appId: string, id: string): Promise<DestinationRecord | null> {
    return this.destinations.findOne({ _id: id, appId }).lean<DestinationRecord>().exec();
  }

  /** An app's destinations, oldest first. */
  list(appId: string): Promise<DestinationRecord[]> {
    return this.destinations.find({ appId }).sort({ createdAt: 1, _id: 1 }).lean<DestinationRecord[]>().exec();
  }

  /** Sets every field of a checked destination at once; nothing read first. Null when the app has no such destination. */
  replaceSettings(appId: string, id: string, settings: DestinationSettings): Promise<DestinationRecord | null> {
    return this.destinations
      .findOneAndUpdate({ _id: id, appId }, { $set: settings }, { new: true })
      .lean<DestinationRecord>()
      .exec();
  }

  /** Records a check of the destination as it was at `checkedUpdatedAt`; answers whether it still was. */
  async recordCheck(appId: string, id: string, checkedUpdatedAt: Date, lastCheck: LastCheckRecord): Promise<boolean> {
    const result = await this.destinations
      .updateOne({ _id: id, appId, updatedAt: checkedUpdatedAt }, { $set: { lastCheck } })
      .exec();
    return result.matchedCount === 1;
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const result = await this.destinations.deleteOne({ _id: id, appId }).exec();
    return result.deletedCount === 1;
  }

  /** Ids of the app's export schedules that deliver into the destination (at most MAX_USERS_NAMED). */
  async schedulesUsing(appId: string, id: string): Promise<string[]> {
    const found = await this.schedules
      .find({ appId, 'delivery.destinationId': id }, { projection: { _id: 1 } })
      .limit(MAX_USERS_NAMED)
      .toArray();
    return found.map((schedule) => String(schedule._id));
  }
}
