import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { insertMissing, isDuplicateKey } from '../db/unique-insert';

export interface WebhookEndpointRecord {
  _id: string;
  appId: string;
  url: string;
  eventTypes: string[];
  disabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  /** The signing secret, sealed with the SecretBox (AES-256-GCM). */
  secret: string;
  /** The secret before the last rotation, sealed; still signs until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  secretRotatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type WebhookEndpointChanges = Partial<
  Pick<
    WebhookEndpointRecord,
    | 'url'
    | 'eventTypes'
    | 'disabled'
    | 'disabledReason'
    | 'disabledAt'
    | 'secret'
    | 'previousSecret'
    | 'previousSecretExpiresAt'
    | 'secretRotatedAt'
    | 'updatedAt'
  >
>;

/**
 * A change computed from the endpoint as it is now; null leaves it as it is. It may run more than once (when
 * another change got in first it runs again on the newer state), so it must not have side effects.
 */
export type WebhookEndpointChange = (current: WebhookEndpointRecord) => WebhookEndpointChanges | null;

/**
 * One state of one endpoint. `_id` is `<endpoint id>@<version>`: writing version n+1 is a unique insert, so of
 * two writers that read version n exactly one succeeds and the other reads again. The newest version is the
 * endpoint; a tombstone version deletes it. Older versions are kept as content-less stubs, so that a version
 * number once taken stays taken.
 */
interface EndpointVersionDoc extends Omit<WebhookEndpointRecord, '_id'> {
  _id: string;
  endpointId: string;
  version: number;
  deleted?: boolean;
  superseded?: boolean;
}

/** Cleared from a superseded version; the stub keeps its _id, so its version number stays taken. */
const CONTENT_FIELDS = [
  'url',
  'eventTypes',
  'disabled',
  'disabledReason',
  'disabledAt',
  'secret',
  'previousSecret',
  'previousSecretExpiresAt',
  'secretRotatedAt',
  'createdAt',
  'updatedAt',
] as const;

/** Writers racing on one endpoint retry this often before giving up (each retry means another change landed). */
const MAX_WRITE_TRIES = 100;

const schema = new Schema<EndpointVersionDoc>(
  {
    _id: String,
    appId: String,
    endpointId: String,
    version: Number,
    deleted: Boolean,
    superseded: Boolean,
    url: String,
    eventTypes: [String],
    disabled: Boolean,
    disabledReason: String,
    disabledAt: Date,
    secret: String,
    previousSecret: String,
    previousSecretExpiresAt: Date,
    secretRotatedAt: Date,
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'webhook_endpoint_versions' },
);

function toRecord(doc: EndpointVersionDoc): WebhookEndpointRecord {
  const { _id: _versionId, endpointId, version: _version, deleted: _deleted, superseded: _superseded, ...rest } = doc;
  return { ...rest, _id: endpointId, eventTypes: rest.eventTypes ?? [] };
}

/**
 * Webhook endpoints per app. The only code that knows how they are stored.
 *
 * Concurrency: an endpoint is written by the user (PATCH, rotation, DELETE, on any notification replica) and
 * by the outbox worker (a 410 disables it). FerretDB 1.24 rewrites the whole document on every update, so
 * two $set of different fields of one document can lose one, and a rotation (which reads the current secret
 * to keep it as the previous one) is a read-modify-write. So an endpoint is never updated in place: every
 * change inserts the next version (unique insert claim), computed from the newest one.
 */
@Injectable()
export class WebhookEndpointRepository implements OnModuleInit {
  private readonly versions: Model<EndpointVersionDoc>;

  constructor(@InjectConnection() private readonly connection: Connection) {
    this.versions = connection.model('WebhookEndpointVersion', schema);
  }

  async onModuleInit(): Promise<void> {
    await this.versions.collection.createIndex({ appId: 1, endpointId: 1, version: -1 });
    await this.adoptUnversioned();
  }

  /**
   * Endpoints stored before versions (one document each in `webhook_endpoints`, no longer written) become
   * their own version 1, by unique insert: at every start, by every replica, without ever overwriting (or
   * bringing back) anything written since.
   */
  private async adoptUnversioned(): Promise<void> {
    const old = await this.connection.collection<WebhookEndpointRecord>('webhook_endpoints').find({}).toArray();
    await insertMissing(
      this.versions,
      old.map(({ _id, ...rest }) => ({ ...rest, _id: `${_id}@1`, endpointId: _id, version: 1 })),
    );
  }

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    const { _id, ...rest } = endpoint;
    await this.versions.create({ ...rest, _id: `${_id}@1`, endpointId: _id, version: 1 });
  }

  async find(appId: string, id: string): Promise<WebhookEndpointRecord | null> {
    const newest = await this.newest(appId, id);
    return newest && !newest.deleted ? toRecord(newest) : null;
  }

  /** The app's endpoints (their newest versions), oldest first. */
  async list(appId: string): Promise<WebhookEndpointRecord[]> {
    const docs = await this.versions
      .find({ appId, superseded: { $ne: true } })
      .lean<EndpointVersionDoc[]>()
      .exec();
    const newest = new Map<string, EndpointVersionDoc>();
    for (const doc of docs) {
      const seen = newest.get(doc.endpointId);
      if (!seen || doc.version > seen.version) newest.set(doc.endpointId, doc);
    }
    return [...newest.values()]
      .filter((doc) => !doc.deleted)
      .map(toRecord)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a._id.localeCompare(b._id));
  }

  /** Enabled endpoints of the app subscribed to `eventType`. */
  async subscribed(appId: string, eventType: string): Promise<WebhookEndpointRecord[]> {
    return (await this.list(appId)).filter((e) => !e.disabled && e.eventTypes.includes(eventType));
  }

  /**
   * Applies `change` to the newest version by inserting the next one; when another writer took that version
   * first, reads again and re-applies. Null when the endpoint does not exist (or was deleted meanwhile).
   */
  async update(appId: string, id: string, change: WebhookEndpointChange): Promise<WebhookEndpointRecord | null> {
    const written = await this.writeNext(appId, id, (current) => {
      const changes = change(toRecord(current));
      return changes && { ...current, ...changes };
    });
    return written && !written.deleted ? toRecord(written) : null;
  }

  /** Deletes by writing a tombstone version; false when there was no such endpoint. */
  async delete(appId: string, id: string): Promise<boolean> {
    return (await this.writeNext(appId, id, (current) => ({ ...current, deleted: true }))) !== null;
  }

  private newest(appId: string, id: string): Promise<EndpointVersionDoc | null> {
    return this.versions.findOne({ appId, endpointId: id }).sort({ version: -1 }).lean<EndpointVersionDoc>().exec();
  }

  /** The retry loop of the version claim. Returns the version written, the unchanged newest one, or null. */
  private async writeNext(
    appId: string,
    id: string,
    next: (current: EndpointVersionDoc) => Omit<EndpointVersionDoc, '_id' | 'version'> | null,
  ): Promise<EndpointVersionDoc | null> {
    for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
      const current = await this.newest(appId, id);
      if (!current || current.deleted) return null;
      const content = next(current);
      if (!content) return current;
      const version = current.version + 1;
      const doc: EndpointVersionDoc = { ...content, _id: `${id}@${version}`, endpointId: id, appId, version };
      try {
        await this.versions.create(doc);
      } catch (error) {
        if (isDuplicateKey(error)) continue;
        throw error;
      }
      await this.supersede(appId, id, version);
      return doc;
    }
    throw new Error(`webhook endpoint ${id}: gave up after ${MAX_WRITE_TRIES} concurrent changes`);
  }

  /** Strips the content (old sealed secrets included) of the versions before `version`; the stubs keep their _id. */
  private async supersede(appId: string, id: string, version: number): Promise<void> {
    const unset = Object.fromEntries(CONTENT_FIELDS.map((field) => [field, 1]));
    await this.versions
      .updateMany(
        { appId, endpointId: id, version: { $lt: version }, superseded: { $ne: true } },
        { $set: { superseded: true }, $unset: unset },
      )
      .exec();
  }
}
