import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { ExportFormat } from '../formats/row-formatter';
import { ExportDataset } from './partition-planner';

export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';
export type PartitionStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
export const TERMINAL_STATUSES: JobStatus[] = ['completed', 'failed', 'cancelled'];

export interface ExportFileRecord {
  partition: string;
  filename: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ExportJobRecord {
  _id: string;
  appId: string;
  /** bulk | on_demand */
  api: string;
  status: JobStatus;
  datasets: ExportDataset[];
  format: ExportFormat;
  fromDay: string;
  toDay: string;
  eventTypes: string[];
  userIds: string[];
  companyIds: string[];
  segmentId: string;
  history?: string;
  exclusions: boolean;
  emails: string[];
  filters: string[];
  partitionKeys: string[];
  files: ExportFileRecord[];
  manifestKey?: string | null;
  error?: string | null;
  createdAt: Date;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  /** Set once by a cancel and never cleared: the job is cancelled whatever a concurrent write set its status to. */
  cancelRequestedAt?: Date | null;
  visibleUntil: Date;
  filesDeleteAt: Date;
  filesDeleted: boolean;
  notifyPending: boolean;
  notifyAttempts: number;
  notifyNextAt?: Date | null;
  finalizeAttempts?: number;
}

export interface PartitionRecord {
  /** `<jobId>:<key>` */
  _id: string;
  appId: string;
  jobId: string;
  jobCreatedAt: Date;
  index: number;
  key: string;
  dataset: ExportDataset;
  fromDay: string;
  toDay: string;
  status: PartitionStatus;
  leaseOwner?: string | null;
  leaseUntil: Date;
  attempts: number;
  lastError?: string | null;
  file?: ExportFileRecord | null;
}

/** One job in progress per app: the lock document's id is the app id. */
interface ExportLockRecord {
  _id: string;
  appId: string;
  jobId: string;
  createdAt: Date;
}

const fileSchema = new Schema<ExportFileRecord>(
  { partition: String, filename: String, key: String, rows: Number, bytes: Number, sha256: String },
  { _id: false },
);
const jobSchema = new Schema<ExportJobRecord>(
  {
    _id: String,
    appId: String,
    api: String,
    status: String,
    datasets: [String],
    format: String,
    fromDay: String,
    toDay: String,
    eventTypes: [String],
    userIds: [String],
    companyIds: [String],
    segmentId: String,
    history: String,
    exclusions: Boolean,
    emails: [String],
    filters: [String],
    partitionKeys: [String],
    files: [fileSchema],
    manifestKey: String,
    error: String,
    createdAt: Date,
    startedAt: Date,
    finishedAt: Date,
    cancelRequestedAt: Date,
    visibleUntil: Date,
    filesDeleteAt: Date,
    filesDeleted: Boolean,
    notifyPending: Boolean,
    notifyAttempts: Number,
    notifyNextAt: Date,
    finalizeAttempts: Number,
  },
  { versionKey: false, collection: 'export_jobs' },
);
const partitionSchema = new Schema<PartitionRecord>(
  {
    _id: String,
    appId: String,
    jobId: String,
    jobCreatedAt: Date,
    index: Number,
    key: String,
    dataset: String,
    fromDay: String,
    toDay: String,
    status: String,
    leaseOwner: String,
    leaseUntil: Date,
    attempts: Number,
    lastError: String,
    file: fileSchema,
  },
  { versionKey: false, collection: 'export_partitions' },
);
const lockSchema = new Schema<ExportLockRecord>(
  { _id: String, appId: String, jobId: String, createdAt: Date },
  { versionKey: false, collection: 'export_locks' },
);

/** Export jobs, their partitions and the per-app lock. The only code that knows how they are stored. */
@Injectable()
export class ExportJobRepository implements OnModuleInit {
  private readonly jobs: Model<ExportJobRecord>;
  private readonly partitions: Model<PartitionRecord>;
  private readonly locks: Model<ExportLockRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.jobs = connection.model('ExportJob', jobSchema);
    this.partitions = connection.model('ExportPartition', partitionSchema);
    this.locks = connection.model('ExportLock', lockSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.jobs.collection.createIndex({ appId: 1, createdAt: -1 });
    await this.jobs.collection.createIndex({ notifyPending: 1, notifyNextAt: 1 });
    await this.jobs.collection.createIndex({ filesDeleted: 1, filesDeleteAt: 1 });
    await this.partitions.collection.createIndex({ status: 1, leaseUntil: 1 });
    await this.partitions.collection.createIndex({ appId: 1, jobId: 1, index: 1 });
  }

  // ---- per-app lock -------------------------------------------------------------------------------------

  /** Takes the app's lock for `jobId`; answers the job holding it when taken already. */
  async tryLock(appId: string, jobId: string, now: Date): Promise<{ ok: true } | { ok: false; holder: string }> {
    try {
      await this.locks.create({ _id: appId, appId, jobId, createdAt: now });
      return { ok: true };
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const lock = await this.locks.findOne({ _id: appId, appId }).lean<ExportLockRecord>().exec();
      return lock ? { ok: false, holder: lock.jobId } : this.tryLock(appId, jobId, now);
    }
  }

  async unlock(appId: string, jobId: string): Promise<void> {
    await this.locks.deleteOne({ _id: appId, appId, jobId });
  }

  // ---- jobs -------------------------------------------------------------------------------------------

  async insertJob(job: ExportJobRecord, partitions: PartitionRecord[]): Promise<void> {
    await this.partitions.insertMany(partitions);
    await this.jobs.create(job);
  }

  /**
   * Puts a cancelled job back to `cancelled` if a concurrent transition overwrote it (FerretDB 1.24 does not
   * apply a conditional findOneAndUpdate atomically against other writers).
   */
  async reassertCancelled(appId: string, jobId: string): Promise<void> {
    await this.jobs
      .updateOne(
        { _id: jobId, appId, cancelRequestedAt: { $ne: null }, status: { $ne: 'cancelled' } },
        { $set: { status: 'cancelled' } },
      )
      .exec();
  }

  findJob(appId: string, jobId: string): Promise<ExportJobRecord | null> {
    return this.jobs.findOne({ _id: jobId, appId }).lean<ExportJobRecord>().exec();
  }

  listJobs(appId: string, api: string, visibleAfter: Date): Promise<ExportJobRecord[]> {
    const filter: Record<string, unknown> = { appId, visibleUntil: { $gt: visibleAfter } };
    if (api) filter.api = api;
    return this.jobs.find(filter).sort({ createdAt: -1 }).limit(200).lean<ExportJobRecord[]>().exec();
  }

  /** Moves a job from one of `from` to `to`; answers the updated job or null when it was not in `from`. */
  transition(
    appId: string,
    jobId: string,
    from: JobStatus[],
    to: JobStatus,
    set: Partial<ExportJobRecord> = {},
  ): Promise<ExportJobRecord | null> {
    return this.jobs
      .findOneAndUpdate({ _id: jobId, appId, status: { $in: from } }, { $set: { ...set, status: to } }, { new: true })
      .lean<ExportJobRecord>()
      .exec();
  }

  /** Jobs not yet ended, across apps (the recovery check of the workers). */
  activeJobs(limit: number): Promise<ExportJobRecord[]> {
    return this.jobs
      .find({ status: { $in: ['pending', 'in_progress'] } })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean<ExportJobRecord[]>()
      .exec();
  }

  /** Counts one failed attempt at ending a job; answers the count. */
  async countFinalizeAttempt(appId: string, jobId: string): Promise<number> {
    const job = await this.jobs
      .findOneAndUpdate({ _id: jobId, appId }, { $inc: { finalizeAttempts: 1 } }, { new: true })
      .lean<ExportJobRecord>()
      .exec();
    return job?.finalizeAttempts ?? 0;
  }

  async setFiles(appId: string, jobId: string, files: ExportFileRecord[], manifestKey: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId, appId }, { $set: { files, manifestKey } });
  }

  // ---- partitions ---------------------------------------------------------------------------------------

  listPartitions(appId: string, jobId: string): Promise<PartitionRecord[]> {
    return this.partitions.find({ appId, jobId }).sort({ index: 1 }).lean<PartitionRecord[]>().exec();
  }

  /**
   * The worker queue, across apps: claims the oldest partition that is pending, or running with an expired
   * lease (its worker died), and leases it to `owner`.
   */
  claimPartition(owner: string, now: Date, leaseMs: number): Promise<PartitionRecord | null> {
    return this.partitions
      .findOneAndUpdate(
        { status: { $in: ['pending', 'running'] }, leaseUntil: { $lte: now } },
        { $set: { status: 'running', leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
        { new: true, sort: { jobCreatedAt: 1, index: 1 } },
      )
      .lean<PartitionRecord>()
      .exec();
  }

  /** Extends the lease; false when the worker no longer holds it. */
  async heartbeat(appId: string, partitionId: string, owner: string, leaseUntil: Date): Promise<boolean> {
    const result = await this.partitions.updateOne(
      { _id: partitionId, appId, leaseOwner: owner, status: 'running' },
      { $set: { leaseUntil } },
    );
    return result.matchedCount === 1;
  }

  async completePartition(appId: string, partitionId: string, owner: string, file: ExportFileRecord): Promise<boolean> {
    const result = await this.partitions.updateOne(
      { _id: partitionId, appId, leaseOwner: owner, status: 'running' },
      { $set: { status: 'done', file, leaseOwner: null, lastError: null } },
    );
    return result.matchedCount === 1;
  }

  /** Gives a failed attempt back to the queue, to be claimed again at `retryAt`. */
  async retryPartition(appId: string, partitionId: string, owner: string, error: string, retryAt: Date): Promise<boolean> {
    const result = await this.partitions.updateOne(
      { _id: partitionId, appId, leaseOwner: owner, status: 'running' },
      { $set: { status: 'pending', leaseOwner: null, leaseUntil: retryAt, lastError: error } },
    );
    return result.matchedCount === 1;
  }

  async failPartition(appId: string, partitionId: string, owner: string, error: string): Promise<boolean> {
    const result = await this.partitions.updateOne(
      { _id: partitionId, appId, leaseOwner: owner, status: 'running' },
      { $set: { status: 'failed', leaseOwner: null, lastError: error } },
    );
    return result.matchedCount === 1;
  }

  /** Stops every unfinished partition of a job (after a cancel or a failure). */
  async stopPartitions(appId: string, jobId: string): Promise<void> {
    await this.partitions.updateMany(
      { appId, jobId, status: { $in: ['pending', 'running'] } },
      { $set: { status: 'cancelled', leaseOwner: null } },
    );
  }

  // ---- notifications and retention (worker queues across apps) ------------------------------------------

  /** Claims a job whose finished notification is due, pushing its next attempt to `nextAt`. */
  claimNotification(now: Date, nextAt: Date): Promise<ExportJobRecord | null> {
    return this.jobs
      .findOneAndUpdate(
        { notifyPending: true, notifyNextAt: { $lte: now } },
        { $set: { notifyNextAt: nextAt }, $inc: { notifyAttempts: 1 } },
        { new: true, sort: { notifyNextAt: 1 } },
      )
      .lean<ExportJobRecord>()
      .exec();
  }

  async notificationSent(appId: string, jobId: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId, appId }, { $set: { notifyPending: false, notifyNextAt: null } });
  }

  async notificationRetryAt(appId: string, jobId: string, at: Date): Promise<void> {
    await this.jobs.updateOne({ _id: jobId, appId }, { $set: { notifyNextAt: at } });
  }

  dueForDeletion(now: Date, limit: number): Promise<ExportJobRecord[]> {
    return this.jobs
      .find({ filesDeleted: false, filesDeleteAt: { $lte: now }, status: { $in: TERMINAL_STATUSES } })
      .sort({ filesDeleteAt: 1 })
      .limit(limit)
      .lean<ExportJobRecord[]>()
      .exec();
  }

  async markFilesDeleted(appId: string, jobId: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId, appId }, { $set: { filesDeleted: true } });
  }
}
