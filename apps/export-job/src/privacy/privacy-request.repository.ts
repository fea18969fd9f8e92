import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { LeasedAttempt, LeasedAttempts } from '../db/leased-attempts';
import { insertOnce, lookUpEach } from '../db/records';

/*
 * Privacy requests (a user's data export, an erasure) and their progress, as append-only records and claims
 * (patterns of ../db/records.ts). The plain user id lives only in the request's subject record, which is
 * deleted once an erasure of that user has completed: from then on the audit log knows the user by a salted
 * hash alone.
 */

export type PrivacyRequestType = 'export' | 'erasure';
export type PrivacyService = 'ingestion' | 'aggregation' | 'export-job';

/** `privacy_requests`: the request as asked, written once. */
export interface PrivacyRequestRecord {
  _id: string;
  appId: string;
  type: PrivacyRequestType;
  /** HMAC-SHA256 of the user id (see userHash). */
  userHash: string;
  suppress: boolean;
  /** The API key that asked. */
  requestedBy: string;
  requestedAt: Date;
}

/** `privacy_subjects` (_id = request id): the plain user id, written once, deleted after the user's erasure. */
interface SubjectRecord {
  _id: string;
  appId: string;
  userHash: string;
  userId: string;
}

/** `privacy_open` (_id = request id): the requests not ended yet (the worker's queue); deleted at the end. */
interface OpenRecord {
  _id: string;
  appId: string;
  requestedAt: Date;
}

export interface RecordCount {
  name: string;
  count: number;
}

/** `privacy_steps` (_id = `<requestId>|<service>`): a service's confirmation, by unique insert, never updated. */
export interface PrivacyStepRecord {
  _id: string;
  appId: string;
  requestId: string;
  service: PrivacyService;
  counts: RecordCount[];
  at: Date;
}

/**
 * `privacy_ends` (_id = request id): the request's one end, by unique insert. Its only later write is the
 * file sweeper's `fileDeleted: true`, the same value from every sweeper.
 */
export interface PrivacyEndRecord {
  _id: string;
  appId: string;
  status: 'completed' | 'failed';
  at: Date;
  error: string | null;
  /** A completed export: its document's object key. */
  fileKey: string | null;
  /** Set with a fileKey (false), then true once the sweeper deleted the document. */
  fileDeleted?: boolean;
}

/** `privacy_attempts` (_id = `<requestId>#<n>`): attempt n, claimed by unique insert, then its holder's. */
export interface PrivacyAttemptRecord extends LeasedAttempt {
  requestId: string;
  owner: string;
  claimedAt: Date;
  error: string | null;
}

const requestSchema = new Schema<PrivacyRequestRecord>(
  { _id: String, appId: String, type: String, userHash: String, suppress: Boolean, requestedBy: String, requestedAt: Date },
  { versionKey: false, collection: 'privacy_requests' },
);
const subjectSchema = new Schema<SubjectRecord>(
  { _id: String, appId: String, userHash: String, userId: String },
  { versionKey: false, collection: 'privacy_subjects' },
);
const openSchema = new Schema<OpenRecord>(
  { _id: String, appId: String, requestedAt: Date },
  { versionKey: false, collection: 'privacy_open' },
);
const stepSchema = new Schema<PrivacyStepRecord>(
  {
    _id: String,
    appId: String,
    requestId: String,
    service: String,
    counts: [new Schema({ name: String, count: Number }, { _id: false })],
    at: Date,
  },
  { versionKey: false, collection: 'privacy_steps' },
);
const endSchema = new Schema<PrivacyEndRecord>(
  { _id: String, appId: String, status: String, at: Date, error: String, fileKey: String, fileDeleted: Boolean },
  { versionKey: false, collection: 'privacy_ends' },
);
const attemptSchema = new Schema<PrivacyAttemptRecord>(
  {
    _id: String,
    appId: String,
    requestId: String,
    attempt: Number,
    owner: String,
    claimedAt: Date,
    leaseUntil: Date,
    error: String,
  },
  { versionKey: false, collection: 'privacy_attempts' },
);

/** Everything a request's state is folded from. */
export interface PrivacyRequestState {
  request: PrivacyRequestRecord;
  /** Null once the user's erasure has completed. */
  userId: string | null;
  steps: PrivacyStepRecord[];
  end: PrivacyEndRecord | null;
  latestAttempt: PrivacyAttemptRecord | null;
}

@Injectable()
export class PrivacyRequestRepository implements OnModuleInit {
  private readonly requests: Model<PrivacyRequestRecord>;
  private readonly subjects: Model<SubjectRecord>;
  private readonly open: Model<OpenRecord>;
  private readonly steps: Model<PrivacyStepRecord>;
  private readonly ends: Model<PrivacyEndRecord>;
  private readonly attemptRecords: Model<PrivacyAttemptRecord>;
  readonly attempts: LeasedAttempts<PrivacyAttemptRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.requests = connection.model('PrivacyRequest', requestSchema);
    this.subjects = connection.model('PrivacySubject', subjectSchema);
    this.open = connection.model('PrivacyOpen', openSchema);
    this.steps = connection.model('PrivacyStep', stepSchema);
    this.ends = connection.model('PrivacyEnd', endSchema);
    this.attemptRecords = connection.model('PrivacyAttempt', attemptSchema);
    this.attempts = new LeasedAttempts(this.attemptRecords);
  }

  async onModuleInit(): Promise<void> {
    await this.requests.collection.createIndex({ appId: 1, requestedAt: -1 });
    await this.requests.collection.createIndex({ appId: 1, userHash: 1 });
    await this.subjects.collection.createIndex({ appId: 1, userHash: 1 });
    await this.steps.collection.createIndex({ appId: 1, requestId: 1 });
    await this.open.collection.createIndex({ requestedAt: 1 });
    await this.ends.collection.createIndex({ fileDeleted: 1 });
  }

  /** The subject and the queue entry first: a request is listed only once the worker can find everything. */
  async insert(request: PrivacyRequestRecord, userId: string): Promise<void> {
    await insertOnce(this.subjects, { _id: request._id, appId: request.appId, userHash: request.userHash, userId });
    await insertOnce(this.open, { _id: request._id, appId: request.appId, requestedAt: request.requestedAt });
    await insertOnce(this.requests, request);
  }

  find(appId: string, id: string): Promise<PrivacyRequestRecord | null> {
    return this.requests.findOne({ _id: id, appId }).lean<PrivacyRequestRecord>().exec();
  }

  /** The app's requests, newest first (the audit log). */
  list(appId: string): Promise<PrivacyRequestRecord[]> {
    return this.requests.find({ appId }).sort({ requestedAt: -1 }).limit(1000).lean<PrivacyRequestRecord[]>().exec();
  }

  /** The app's requests about one user (by hash). */
  ofUser(appId: string, userHash: string): Promise<PrivacyRequestRecord[]> {
    return this.requests.find({ appId, userHash }).lean<PrivacyRequestRecord[]>().exec();
  }

  async userIdOf(appId: string, requestId: string): Promise<string | null> {
    const subject = await this.subjects.findOne({ _id: requestId, appId }).lean<SubjectRecord>().exec();
    return subject?.userId ?? null;
  }

  /**
   * After the user's erasure: deletes the plain user id of `requestId` and of every other request about the
   * user that has ended (an open one keeps it until its own end). Deleting a subject races nothing: it is
   * written once, at creation.
   */
  async forgetUser(appId: string, userHash: string, requestId: string): Promise<void> {
    const subjects = await this.subjects.find({ appId, userHash }).lean<SubjectRecord[]>().exec();
    for (const subject of subjects) {
      if (subject._id !== requestId && (await this.open.exists({ _id: subject._id, appId }).exec())) continue;
      await this.subjects.deleteOne({ _id: subject._id, appId });
    }
  }

  /** Whether an erasure of the user (by hash) has completed in the app. */
  async userErased(appId: string, userHash: string): Promise<boolean> {
    for (const request of await this.ofUser(appId, userHash)) {
      if (request.type !== 'erasure') continue;
      if ((await this.findEnd(appId, request._id))?.status === 'completed') return true;
    }
    return false;
  }

  /** Open requests across apps, oldest first. */
  openRequests(limit: number): Promise<OpenRecord[]> {
    return this.open.find({}).sort({ requestedAt: 1 }).limit(limit).lean<OpenRecord[]>().exec();
  }

  async closeRequest(appId: string, id: string): Promise<void> {
    await this.open.deleteOne({ _id: id, appId });
  }

  /** Unique insert: a retried step records its first confirmation only. */
  async insertStep(step: PrivacyStepRecord): Promise<void> {
    await insertOnce(this.steps, step);
  }

  findStep(appId: string, requestId: string, service: PrivacyService): Promise<PrivacyStepRecord | null> {
    return this.steps
      .findOne({ _id: `${requestId}|${service}`, appId })
      .lean<PrivacyStepRecord>()
      .exec();
  }

  /** Unique-insert claim of the end; answers whether this call decided it. */
  insertEnd(end: PrivacyEndRecord): Promise<boolean> {
    return insertOnce(this.ends, end);
  }

  findEnd(appId: string, id: string): Promise<PrivacyEndRecord | null> {
    return this.ends.findOne({ _id: id, appId }).lean<PrivacyEndRecord>().exec();
  }

  /** Ended exports whose document is still stored, across apps (the file sweeper's candidates): one equality. */
  endsWithFiles(): Promise<PrivacyEndRecord[]> {
    return this.ends.find({ fileDeleted: false }).lean<PrivacyEndRecord[]>().exec();
  }

  async markFileDeleted(appId: string, id: string): Promise<void> {
    await this.ends.updateOne({ _id: id, appId }, { $set: { fileDeleted: true } });
  }

  /** The requests' states, one request at a time (indexed equalities; see lookUpEach). */
  states(appId: string, requests: PrivacyRequestRecord[]): Promise<PrivacyRequestState[]> {
    return lookUpEach(requests, async (request) => {
      const [userId, steps, end, latestAttempt] = await Promise.all([
        this.userIdOf(appId, request._id),
        this.steps.find({ appId, requestId: request._id }).sort({ at: 1 }).lean<PrivacyStepRecord[]>().exec(),
        this.findEnd(appId, request._id),
        this.attempts.latest(appId, request._id),
      ]);
      return { request, userId, steps, end, latestAttempt };
    });
  }
}
