import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { insertMissing, isDuplicateKey } from '../db/unique-insert';

export type DeliveryChannel = 'email' | 'webhook';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface AttemptRecord {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** Where a delivery stands: what the attempts made of it so far say. */
export interface DeliveryState {
  status: DeliveryStatus;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** When a worker may next pick the delivery up; while one holds it, the end of its lease. Null when final. */
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/**
 * One message to one recipient (an email address or a webhook endpoint), tried until it succeeds or the
 * schedule ends. As stored: the content, written once, and a copy of its state that workers search for due
 * work; the attempts are records of their own (see `AttemptDoc`).
 */
export interface DeliveryDoc extends DeliveryState {
  /** Also the `webhook-id` and the email Message-ID: stable across retries so receivers can de-duplicate. */
  _id: string;
  appId: string;
  jobId: string;
  eventType: string;
  channel: DeliveryChannel;
  /** Email address, or the endpoint URL at the time the delivery was written. */
  recipient: string;
  endpointId: string | null;
  leaseToken: string | null;
  createdAt: Date;
  email: EmailContent | null;
  /** The webhook's JSON body, fixed when the delivery is written so every retry sends the same bytes. */
  webhookBody: string | null;
  /** Only on deliveries written before attempt records existed: their first attempts. */
  attempts?: AttemptRecord[];
}

/** A delivery as the delivery log shows it: its state folded from its attempt records, and the attempts. */
export interface DeliveryRecord extends DeliveryDoc {
  attempts: AttemptRecord[];
}

/** What NotifyExportFinished accepted, keyed by (appId, jobId, eventType): the planned deliveries. */
export interface NotificationRecord {
  _id: string;
  appId: string;
  jobId: string;
  eventType: string;
  deliveries: DeliveryDoc[];
  createdAt: Date;
}

/**
 * What one claim of a delivery did: an attempt (with what it decided: delivered, retry at a time, or failed),
 * or the end of a delivery whose endpoint is gone (`abandoned`, not an attempt). Appended once by the worker
 * that holds the claim (`_id` is the delivery id and the claim's lease token) and never changed.
 */
interface AttemptDoc extends AttemptRecord {
  _id: string;
  appId: string;
  deliveryId: string;
  abandoned: boolean;
  outcome: DeliveryStatus;
  nextAttemptAt: Date | null;
}

/** What a worker learnt from one claim, to record. */
export interface AttemptResult {
  attempt: AttemptRecord;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

const emailSchema = new Schema<EmailContent>({ subject: String, text: String, html: String }, { _id: false });
const legacyAttemptSchema = new Schema<AttemptRecord>(
  { at: Date, statusCode: Number, error: String, durationMs: Number },
  { _id: false },
);
const deliverySchema = new Schema<DeliveryDoc>(
  {
    _id: String,
    appId: String,
    jobId: String,
    eventType: String,
    channel: String,
    recipient: String,
    endpointId: String,
    status: String,
    attemptCount: Number,
    lastStatusCode: Number,
    lastError: String,
    nextAttemptAt: Date,
    leaseToken: String,
    deliveredAt: Date,
    createdAt: Date,
    email: emailSchema,
    webhookBody: String,
    attempts: { type: [legacyAttemptSchema], default: undefined },
  },
  { versionKey: false, collection: 'deliveries' },
);
const notificationSchema = new Schema<NotificationRecord>(
  { _id: String, appId: String, jobId: String, eventType: String, deliveries: [deliverySchema], createdAt: Date },
  { versionKey: false, collection: 'notifications' },
);
const attemptSchema = new Schema<AttemptDoc>(
  {
    _id: String,
    appId: String,
    deliveryId: String,
    at: Date,
    statusCode: Number,
    error: String,
    durationMs: Number,
    abandoned: Boolean,
    outcome: String,
    nextAttemptAt: Date,
  },
  { versionKey: false, collection: 'delivery_attempts' },
);

/**
 * The state of a delivery from its attempt records, whatever order they were written in: delivered when any
 * attempt succeeded (two workers may both have tried after a lease ran out), else failed when any attempt
 * or abandonment ended it, else pending until the time the latest attempt chose.
 */
export function foldAttempts(delivery: DeliveryDoc, records: AttemptDoc[]): DeliveryRecord {
  const sorted = [...records].sort((a, b) => a.at.getTime() - b.at.getTime() || a._id.localeCompare(b._id));
  const attempts = [
    ...(delivery.attempts ?? []),
    ...sorted
      .filter((r) => !r.abandoned)
      .map(({ at, statusCode, error, durationMs }) => ({ at, statusCode: statusCode ?? null, error: error ?? null, durationMs })),
  ];
  const latest = sorted.at(-1);
  if (!latest) return { ...delivery, attempts, attemptCount: attempts.length };
  const delivered = sorted.find((r) => r.outcome === 'delivered');
  const failed = sorted.find((r) => r.outcome === 'failed');
  const deciding = delivered ?? failed ?? latest;
  return {
    ...delivery,
    attempts,
    status: deciding.outcome,
    attemptCount: attempts.length,
    lastStatusCode: deciding.statusCode ?? null,
    lastError: deciding.error ?? null,
    nextAttemptAt: deciding.outcome === 'pending' ? deciding.nextAttemptAt : null,
    deliveredAt: delivered ? delivered.at : null,
  };
}

/** Deliveries whose attempt records are read at the same time (the delivery log reads up to 100). */
const ATTEMPT_READ_CONCURRENCY = 8;

/** A worker's claim on one state of a delivery; the unique _id is what makes the claim exclusive. */
interface ClaimRecord {
  _id: string;
  appId: string;
  at: Date;
}
const claimSchema = new Schema<ClaimRecord>(
  { _id: String, appId: String, at: Date },
  { versionKey: false, collection: 'delivery_claims' },
);

/**
 * The outbox: notifications, deliveries, claims and attempt records. The only code that knows how they are
 * stored.
 *
 * Concurrency (several notification processes, each with several attempts in flight; FerretDB 1.24 lets two
 * conditional updates of one document both "win" and can lose one of two updates of a document):
 * - a notification and its deliveries are written once, by unique insert (fixed _ids);
 * - a worker claims a due delivery with a unique-insert claim document (see `claimDue`);
 * - each claim appends its own attempt record (unique _id per claim) and never updates another's, so the
 *   attempt log loses nothing even when a lease runs out and two workers try the same delivery;
 * - the delivery's state is the fold of its attempt records (`foldAttempts`). The copy kept on the delivery
 *   (to find due work) is written by the lease holder only, and is checked against the records before each
 *   send (`stateOf`): a copy that fell behind is repaired instead of sending again.
 */
@Injectable()
export class DeliveryRepository implements OnModuleInit {
  private readonly deliveries: Model<DeliveryDoc>;
  private readonly notifications: Model<NotificationRecord>;
  private readonly claims: Model<ClaimRecord>;
  private readonly attempts: Model<AttemptDoc>;

  constructor(@InjectConnection() connection: Connection) {
    this.deliveries = connection.model('Delivery', deliverySchema);
    this.notifications = connection.model('Notification', notificationSchema);
    this.claims = connection.model('DeliveryClaim', claimSchema);
    this.attempts = connection.model('DeliveryAttempt', attemptSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.deliveries.collection.createIndex({ status: 1, nextAttemptAt: 1 });
    await this.deliveries.collection.createIndex({ appId: 1, jobId: 1, createdAt: 1 });
    await this.deliveries.collection.createIndex({ appId: 1, endpointId: 1, createdAt: 1 });
    await this.notifications.collection.createIndex({ appId: 1, jobId: 1, eventType: 1 }, { unique: true });
    await this.attempts.collection.createIndex({ appId: 1, deliveryId: 1 });
  }

  /**
   * Records the notification unless one with the same (appId, jobId, eventType) exists, and returns the one
   * stored: the first caller's plan wins, so a repeat writes nothing new. The _id is derived from that key, so
   * this is a unique insert: of two concurrent callers one inserts, the other gets a duplicate key and reads
   * the first one's plan.
   */
  async recordNotification(notification: NotificationRecord): Promise<NotificationRecord> {
    try {
      await this.notifications.create(notification);
      return notification;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const stored = await this.notifications
      .findOne({ _id: notification._id, appId: notification.appId })
      .lean<NotificationRecord>()
      .exec();
    if (!stored) throw new Error(`notification ${notification._id} vanished`);
    return { ...stored, deliveries: stored.deliveries ?? [] };
  }

  /** Writes the deliveries that do not exist yet (by id, unique insert); existing ones are left as they are. */
  async ensureDeliveries(appId: string, deliveries: DeliveryDoc[]): Promise<void> {
    await insertMissing(
      this.deliveries,
      deliveries.map((d) => ({ ...d, appId })),
    );
  }

  async listForJob(appId: string, jobId: string): Promise<DeliveryRecord[]> {
    const found = await this.deliveries.find({ appId, jobId }).sort({ createdAt: 1, _id: 1 }).lean<DeliveryDoc[]>().exec();
    return this.withAttempts(appId, found);
  }

  async listForEndpoint(appId: string, endpointId: string, limit = 100): Promise<DeliveryRecord[]> {
    const found = await this.deliveries
      .find({ appId, endpointId })
      .sort({ createdAt: -1, _id: 1 })
      .limit(limit)
      .lean<DeliveryDoc[]>()
      .exec();
    return this.withAttempts(appId, found);
  }

  /**
   * Worker side (across apps, by design: one outbox serves every tenant): claims the most overdue pending
   * delivery by moving its next attempt to the end of a lease, so no other worker takes it meanwhile.
   *
   * findOneAndUpdate alone is not enough: FerretDB does not make it atomic between concurrent callers, and
   * two workers were seen claiming the same delivery. So a claim first inserts a document whose unique _id
   * names the delivery's state (id, attempts made, scheduled time): exactly one insert succeeds, and only that
   * worker moves the delivery on. A claim document left by a worker that died between the two steps is
   * removed once it is older than a lease, so the delivery is not stuck.
   */
  /** Deliveries still to be sent (their first attempt or a retry), for the outbox backlog metric. */
  countPending(): Promise<number> {
    return this.deliveries.countDocuments({ status: 'pending' }).exec();
  }

  async claimDue(now: Date, leaseUntil: Date, leaseToken: string, leaseMs: number): Promise<DeliveryDoc | null> {
    const candidates = await this.deliveries
      .find({ status: 'pending', nextAttemptAt: { $lte: now } }, { _id: 1, appId: 1, attemptCount: 1, nextAttemptAt: 1 })
      .sort({ nextAttemptAt: 1 })
      .limit(20)
      .lean<Pick<DeliveryDoc, '_id' | 'appId' | 'attemptCount' | 'nextAttemptAt'>[]>()
      .exec();
    for (const candidate of candidates) {
      const scheduled = candidate.nextAttemptAt as Date;
      const key = `${candidate._id}:${candidate.attemptCount ?? 0}:${scheduled.getTime()}`;
      try {
        await this.claims.create({ _id: key, appId: candidate.appId, at: now });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        await this.claims.deleteOne({ _id: key, at: { $lt: new Date(now.getTime() - leaseMs) } }).exec();
        continue;
      }
      const claimed = await this.deliveries
        .findOneAndUpdate(
          { _id: candidate._id, appId: candidate.appId, status: 'pending', nextAttemptAt: scheduled },
          { $set: { nextAttemptAt: leaseUntil, leaseToken } },
          { new: true },
        )
        .lean<DeliveryDoc>()
        .exec();
      await this.claims.deleteOne({ _id: key }).exec();
      if (claimed) return claimed;
    }
    return null;
  }

  /** The state of a delivery as its attempt records tell it (the truth the copy on the delivery follows). */
  async stateOf(delivery: DeliveryDoc): Promise<DeliveryRecord> {
    const [folded] = await this.withAttempts(delivery.appId, [delivery]);
    return folded as DeliveryRecord;
  }

  /**
   * Appends what a claim did (an attempt, or the end of a delivery without one) and updates the copy of the
   * state on the delivery if this worker still holds the lease (otherwise the holder, or the next claim,
   * does). Returns the state after it.
   */
  async recordAttempt(
    delivery: DeliveryDoc,
    leaseToken: string,
    result: AttemptResult,
    abandoned = false,
  ): Promise<DeliveryRecord> {
    const record: AttemptDoc = {
      ...result.attempt,
      _id: `${delivery._id}/${leaseToken}`,
      appId: delivery.appId,
      deliveryId: delivery._id,
      abandoned,
      outcome: result.status,
      nextAttemptAt: result.nextAttemptAt,
    };
    try {
      await this.attempts.create(record);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // this claim's record is stored already
    }
    const state = await this.stateOf(delivery);
    await this.saveState(delivery, leaseToken, state);
    return state;
  }

  /** Writes `state` into the copy on the delivery and releases the lease, if `leaseToken` still holds it. */
  async saveState(delivery: DeliveryDoc, leaseToken: string, state: DeliveryState): Promise<void> {
    const { status, attemptCount, lastStatusCode, lastError, nextAttemptAt, deliveredAt } = state;
    await this.deliveries
      .updateOne(
        { _id: delivery._id, appId: delivery.appId, leaseToken },
        { $set: { status, attemptCount, lastStatusCode, lastError, nextAttemptAt, deliveredAt, leaseToken: null } },
      )
      .exec();
  }

  /**
   * Folds each delivery with its attempt records, read one delivery at a time (a few at once): FerretDB
   * pushes the `deliveryId` equality down to its database, where the index serves it, but not `$in`, which
   * would read every attempt record of the app.
   */
  private async withAttempts(appId: string, deliveries: DeliveryDoc[]): Promise<DeliveryRecord[]> {
    const folded: DeliveryRecord[] = [];
    for (let start = 0; start < deliveries.length; start += ATTEMPT_READ_CONCURRENCY) {
      const chunk = deliveries.slice(start, start + ATTEMPT_READ_CONCURRENCY);
      const records = await Promise.all(chunk.map((d) => this.attemptsOf(appId, d._id)));
      chunk.forEach((d, i) => folded.push(foldAttempts({ ...d, attemptCount: d.attemptCount ?? 0 }, records[i] ?? [])));
    }
    return folded;
  }

  private attemptsOf(appId: string, deliveryId: string): Promise<AttemptDoc[]> {
    return this.attempts.find({ appId, deliveryId }).lean<AttemptDoc[]>().exec();
  }
}
