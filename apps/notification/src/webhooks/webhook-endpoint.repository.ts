import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { insertMissing, isDuplicateKey } from '../db/unique-insert';

export interface WebhookEndpointRecord {
  _id: string;
  appId: string;
  url: string;
  eventTypes: string[];
  /**
   * The schedule that owns the endpoint (created by export-job for a scheduled export's webhook URL), null for
   * the app's own endpoints. Set at creation and never changed: every version carries it.
   */
  scheduleId: string | null;
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
 * endpoint; a tombstone version deletes it. Older versions are kept as stubs without content (or endpointId,
 * see `STRIPPED_FIELDS`), so that a version number once taken stays taken.
 */
interface EndpointVersionDoc extends Omit<WebhookEndpointRecord, '_id'> {
  _id: string;
  endpointId: string;
  version: number;
  deleted?: boolean;
  /**
   * Written as false with every version and set to true when a newer one strips it, so that reads ask for
   * `superseded: false`: an equality FerretDB pushes down to its database and the index serves (a `$ne` is
   * served by no index). Versions stored before it was written get it at start-up (`markUnmarkedVersions`).
   */
  superseded: boolean;
}

/** Where endpoints were stored before versions (one document each), no longer written. */
const LEGACY_COLLECTION = 'webhook_endpoints';

/**
 * Cleared from a superseded version; the stub keeps its _id (so its version number stays taken), appId and
 * version. Its endpointId goes too, so that the index on it holds only the versions `newest` may return (one,
 * or two while a change is being written) however many changes the endpoint has had.
 */
const STRIPPED_FIELDS = [
  'endpointId',
  'url',
  'eventTypes',
  'scheduleId',
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
    scheduleId: String,
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
  // Versions written before schedules owned endpoints have no scheduleId: the app's endpoints.
  return { ...rest, _id: endpointId, eventTypes: rest.eventTypes ?? [], scheduleId: rest.scheduleId ?? null };
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
    await this.versions.collection.createIndex({ appId: 1, superseded: 1 });
    await this.markUnmarkedVersions();
    await this.adoptUnversioned();
  }

  /**
   * Versions stored before `superseded` was written with each one count as not superseded unless marked so:
   * they get `superseded: false`, at every start, by every replica (so that what a replica still on earlier
   * code writes during an upgrade is marked at the next start). Only documents without the field are touched,
   * so this never undoes a supersession. (`$ne: true` changes nothing in what matches; FerretDB pushes it down,
   * so the database leaves the superseded stubs out instead of handing FerretDB every version.)
   */
  private async markUnmarkedVersions(): Promise<void> {
    await this.versions.updateMany({ superseded: { $ne: true, $exists: false } }, { $set: { superseded: false } }).exec();
  }

  /**
   * Endpoints stored before versions (one document each in `webhook_endpoints`, no longer written) become
   * their own version 1, by unique insert: at every start, by every replica, without ever overwriting (or
   * bringing back) anything written since. A database without that collection has nothing to adopt.
   */
  private async adoptUnversioned(): Promise<void> {
    const collections = await this.connection.listCollections();
    if (!collections.some((c) => c.name === LEGACY_COLLECTION)) return;
    const old = await this.connection.collection<WebhookEndpointRecord>(LEGACY_COLLECTION).find({}).toArray();
    await insertMissing(
      this.versions,
      old.map(({ _id, ...rest }) => ({ ...rest, _id: `${_id}@1`, endpointId: _id, version: 1, superseded: false })),
    );
  }

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    const { _id, ...rest } = endpoint;
    await this.versions.create({ ...rest, _id: `${_id}@1`, endpointId: _id, version: 1, superseded: false });
  }

  /** The endpoint, whoever owns it (the outbox delivers to schedules' endpoints too). */
  async find(appId: string, id: string): Promise<WebhookEndpointRecord | null> {
    const newest = await this.newest(appId, id);
    return newest && !newest.deleted ? toRecord(newest) : null;
  }

  /** The endpoints of the app (scheduleId null) or of one of its schedules, oldest first. */
  async list(appId: string, scheduleId: string | null): Promise<WebhookEndpointRecord[]> {
    return (await this.all(appId)).filter((e) => e.scheduleId === scheduleId);
  }

  /**
   * Enabled endpoints subscribed to `eventType` that receive a notification of `scheduleId` (null: of no
   * schedule): every app endpoint, and the endpoints of that schedule.
   */
  async subscribed(appId: string, eventType: string, scheduleId: string | null): Promise<WebhookEndpointRecord[]> {
    return (await this.all(appId)).filter(
      (e) => !e.disabled && e.eventTypes.includes(eventType) && (e.scheduleId === null || e.scheduleId === scheduleId),
    );
  }

  /** Every endpoint of the app and of its schedules (their newest versions), oldest first. */
  private async all(appId: string): Promise<WebhookEndpointRecord[]> {
    const docs = await this.versions.find({ appId, superseded: false }).lean<EndpointVersionDoc[]>().exec();
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

  /**
   * The newest version: the highest of those not superseded (one, or two while a writer has inserted the next
   * version and not yet superseded the one before).
   */
  private newest(appId: string, id: string): Promise<EndpointVersionDoc | null> {
    return this.versions
      .findOne({ appId, endpointId: id, superseded: false })
      .sort({ version: -1 })
      .lean<EndpointVersionDoc>()
      .exec();
  }

  /** The retry loop of the version claim. Returns the version written, the unchanged newest one, or null. */
  private async writeNext(
    appId: string,
    id: string,
    next: (current: EndpointVersionDoc) => Omit<EndpointVersionDoc, '_id' | 'version' | 'superseded'> | null,
  ): Promise<EndpointVersionDoc | null> {
    for (let attempt = 0; attempt < MAX_WRITE_TRIES; attempt++) {
      const current = await this.newest(appId, id);
      if (!current || current.deleted) return null;
      const content = next(current);
      if (!content) return current;
      const version = current.version + 1;
      const doc: EndpointVersionDoc = { ...content, _id: `${id}@${version}`, endpointId: id, appId, version, superseded: false };
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

  /**
   * Strips the versions before `version` (old sealed secrets included); the stubs keep their _id. It matches
   * every earlier version that still has the endpointId, so it also strips stubs stored before stubs lost it.
   */
  private async supersede(appId: string, id: string, version: number): Promise<void> {
    const unset = Object.fromEntries(STRIPPED_FIELDS.map((field) => [field, 1]));
    await this.versions
      .updateMany({ appId, endpointId: id, version: { $lt: version } }, { $set: { superseded: true }, $unset: unset })
      .exec();
  }
}
