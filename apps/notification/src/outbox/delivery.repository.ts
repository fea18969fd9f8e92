import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

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

/** One message to one recipient (an email address or a webhook endpoint), tried until it succeeds or the schedule ends. */
export interface DeliveryRecord {
  /** Also the `webhook-id` and the email Message-ID: stable across retries so receivers can de-duplicate. */
  _id: string;
  appId: string;
  jobId: string;
  eventType: string;
  channel: DeliveryChannel;
  /** Email address, or the endpoint URL at the time the delivery was written. */
  recipient: string;
  endpointId: string | null;
  status: DeliveryStatus;
  attempts: AttemptRecord[];
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** When a worker may next pick the delivery up; while one holds it, the end of its lease. Null when final. */
  nextAttemptAt: Date | null;
  leaseToken: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  email: EmailContent | null;
  /** The webhook's JSON body, fixed when the delivery is written so every retry sends the same bytes. */
  webhookBody: string | null;
}

/** What NotifyExportFinished accepted, keyed by (appId, jobId, eventType): the planned deliveries. */
export interface NotificationRecord {
  _id: string;
  appId: string;
  jobId: string;
  eventType: string;
  deliveries: DeliveryRecord[];
  createdAt: Date;
}

const attemptSchema = new Schema<AttemptRecord>(
  { at: Date, statusCode: Number, error: String, durationMs: Number },
  { _id: false },
);
const emailSchema = new Schema<EmailContent>({ subject: String, text: String, html: String }, { _id: false });
const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: String,
    appId: String,
    jobId: String,
    eventType: String,
    channel: String,
    recipient: String,
    endpointId: String,
    status: String,
    attempts: [attemptSchema],
    attemptCount: Number,
    lastStatusCode: Number,
    lastError: String,
    nextAttemptAt: Date,
    leaseToken: String,
    deliveredAt: Date,
    createdAt: Date,
    email: emailSchema,
    webhookBody: String,
  },
  { versionKey: false, collection: 'deliveries' },
);
const notificationSchema = new Schema<NotificationRecord>(
  { _id: String, appId: String, jobId: String, eventType: String, deliveries: [deliverySchema], createdAt: Date },
  { versionKey: false, collection: 'notifications' },
);

/** Empty arrays may not survive an upsert's $setOnInsert on every server; read them back as empty. */
function withArrays(delivery: DeliveryRecord): DeliveryRecord {
  return { ...delivery, attempts: delivery.attempts ?? [], attemptCount: delivery.attemptCount ?? 0 };
}

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

export interface AttemptResult {
  attempt: AttemptRecord;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

/** The outbox: deliveries and the notifications that created them. The only code that knows how they are stored. */
@Injectable()
export class DeliveryRepository implements OnModuleInit {
  private readonly deliveries: Model<DeliveryRecord>;
  private readonly notifications: Model<NotificationRecord>;
  private readonly claims: Model<ClaimRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.deliveries = connection.model('Delivery', deliverySchema);
    this.notifications = connection.model('Notification', notificationSchema);
    this.claims = connection.model('DeliveryClaim', claimSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.deliveries.collection.createIndex({ status: 1, nextAttemptAt: 1 });
    await this.deliveries.collection.createIndex({ appId: 1, jobId: 1, createdAt: 1 });
    await this.deliveries.collection.createIndex({ appId: 1, endpointId: 1, createdAt: 1 });
    await this.notifications.collection.createIndex({ appId: 1, jobId: 1, eventType: 1 }, { unique: true });
  }

  /**
   * Records the notification unless one with the same (appId, jobId, eventType) exists, and returns the one
   * stored: the first caller's plan wins, so a repeat writes nothing new.
   */
  async recordNotification(notification: NotificationRecord): Promise<NotificationRecord> {
    const { _id, appId, ...rest } = notification;
    const filter = { _id, appId };
    try {
      const stored = await this.notifications
        .findOneAndUpdate(filter, { $setOnInsert: rest }, { upsert: true, new: true })
        .lean<NotificationRecord>()
        .exec();
      if (stored) return { ...stored, deliveries: stored.deliveries ?? [] };
    } catch (error) {
      // Two callers upserting at once: one insert wins, the other sees a duplicate key and reads it.
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const stored = await this.notifications.findOne(filter).lean<NotificationRecord>().exec();
    if (!stored) throw new Error(`notification ${notification._id} vanished`);
    return { ...stored, deliveries: stored.deliveries ?? [] };
  }

  /** Writes the deliveries that do not exist yet (by id); existing ones are left as they are. */
  async ensureDeliveries(appId: string, deliveries: DeliveryRecord[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.deliveries.bulkWrite(
      deliveries.map(({ _id, appId: _appId, ...rest }) => ({
        updateOne: { filter: { _id, appId }, update: { $setOnInsert: rest }, upsert: true },
      })),
      { ordered: false },
    );
  }

  async listForJob(appId: string, jobId: string): Promise<DeliveryRecord[]> {
    const found = await this.deliveries.find({ appId, jobId }).sort({ createdAt: 1, _id: 1 }).lean<DeliveryRecord[]>().exec();
    return found.map(withArrays);
  }

  async listForEndpoint(appId: string, endpointId: string, limit = 100): Promise<DeliveryRecord[]> {
    const found = await this.deliveries
      .find({ appId, endpointId })
      .sort({ createdAt: -1, _id: 1 })
      .limit(limit)
      .lean<DeliveryRecord[]>()
      .exec();
    return found.map(withArrays);
  }

  /**
   * Worker side (across apps, by design: one outbox serves every tenant): claims the most overdue pending
   * delivery by moving its next attempt to the end of a lease, so no other worker takes it meanwhile.
   *
   * findOneAndUpdate alone is not enough: FerretDB (SQLite) does not make it atomic between concurrent
   * callers, and two workers were seen claiming the same delivery. So a claim first inserts a document whose
   * unique _id names the delivery's state (id, attempts made, scheduled time): exactly one insert succeeds, and
   * only that worker moves the delivery on. A claim document left by a worker that died between the two steps
   * is removed once it is older than a lease, so the delivery is not stuck.
   */
  async claimDue(now: Date, leaseUntil: Date, leaseToken: string, leaseMs: number): Promise<DeliveryRecord | null> {
    const candidates = await this.deliveries
      .find({ status: 'pending', nextAttemptAt: { $lte: now } }, { _id: 1, appId: 1, attemptCount: 1, nextAttemptAt: 1 })
      .sort({ nextAttemptAt: 1 })
      .limit(20)
      .lean<Pick<DeliveryRecord, '_id' | 'appId' | 'attemptCount' | 'nextAttemptAt'>[]>()
      .exec();
    for (const candidate of candidates) {
      const scheduled = candidate.nextAttemptAt as Date;
      const attemptCount = candidate.attemptCount ?? 0;
      const key = `${candidate._id}:${attemptCount}:${scheduled.getTime()}`;
      try {
        await this.claims.create({ _id: key, appId: candidate.appId, at: now });
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        await this.claims.deleteOne({ _id: key, at: { $lt: new Date(now.getTime() - leaseMs) } }).exec();
        continue;
      }
      const claimed = await this.deliveries
        .findOneAndUpdate(
          { _id: candidate._id, appId: candidate.appId, status: 'pending', nextAttemptAt: scheduled },
          { $set: { nextAttemptAt: leaseUntil, leaseToken } },
          { new: true },
        )
        .lean<DeliveryRecord>()
        .exec();
      await this.claims.deleteOne({ _id: key }).exec();
      if (claimed) return withArrays(claimed);
    }
    return null;
  }

  /** Records one attempt of a claimed delivery; false when the lease was lost to another worker. */
  async recordAttempt(appId: string, id: string, leaseToken: string, result: AttemptResult): Promise<boolean> {
    const updated = await this.deliveries
      .updateOne(
        { _id: id, appId, leaseToken, status: 'pending' },
        {
          $push: { attempts: result.attempt },
          $inc: { attemptCount: 1 },
          $set: {
            status: result.status,
            nextAttemptAt: result.nextAttemptAt,
            leaseToken: null,
            lastStatusCode: result.attempt.statusCode,
            lastError: result.attempt.error,
            ...(result.status === 'delivered' ? { deliveredAt: result.attempt.at } : {}),
          },
        },
      )
      .exec();
    return updated.modifiedCount === 1;
  }

  /** Ends a claimed delivery without an attempt (its endpoint was deleted or disabled). */
  async abandon(appId: string, id: string, leaseToken: string, reason: string): Promise<void> {
    await this.deliveries
      .updateOne(
        { _id: id, appId, leaseToken, status: 'pending' },
        { $set: { status: 'failed', nextAttemptAt: null, leaseToken: null, lastError: reason } },
      )
      .exec();
  }
}
