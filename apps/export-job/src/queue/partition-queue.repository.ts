import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { attemptId, LeasedAttempts } from '../db/leased-attempts';
import { insertManyOnce, insertOnce, lookUpEach } from '../db/records';
import type { ExportDataType } from '../jobs/partition-planner';

/*
 * The partition queue: the partitions of every job, the workers' attempts (leases) and the partitions'
 * results, across apps. Concurrency patterns as in ../db/records.ts.
 */

export type PartitionStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
export type AttemptOutcome = 'running' | 'done' | 'retry' | 'failed' | 'cancelled';

/** One partition's file. */
export interface ExportFileRecord {
  partition: string;
  filename: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * `export_partitions`: the plan of one partition (written once) and the queue's hint fields (`status`,
 * `leaseUntil`, `attempts`, `startedAt`, `lastError`), written by the holder of the partition's latest attempt.
 * A hint can be stale (two holders overlap only after a lease ran out); every decision is re-checked against
 * the attempt claims and the results, which are the truth.
 */
export interface PartitionRecord {
  /** `<jobId>:<key>` */
  _id: string;
  appId: string;
  jobId: string;
  jobCreatedAt: Date;
  index: number;
  key: string;
  dataType: ExportDataType;
  fromDay: string;
  toDay: string;
  status: PartitionStatus;
  leaseUntil: Date;
  attempts: number;
  startedAt?: Date | null;
  lastError?: string | null;
}

/**
 * `export_partition_attempts` (_id = `<partitionId>#<attempt>`): unique-insert claim of attempt n of a
 * partition, so two workers never hold the same attempt and attempt numbers are never lost or repeated.
 * Afterwards a single writer, its holder: heartbeats extend `leaseUntil`, the outcome settles it.
 */
export interface PartitionAttemptRecord {
  _id: string;
  appId: string;
  jobId: string;
  partitionId: string;
  attempt: number;
  owner: string;
  claimedAt: Date;
  /** Nobody claims the next attempt before this (the lease, or the back-off after a failure). */
  leaseUntil: Date;
  outcome: AttemptOutcome;
  error?: string | null;
}

/**
 * `export_partition_results` (_id = partition id): append-only, one per partition (the first finished
 * attempt's file; a second finisher wrote the same key with the same bytes and gets 11000). The job's files,
 * totals and completion are folded from these.
 */
export interface PartitionResultRecord {
  _id: string;
  appId: string;
  jobId: string;
  index: number;
  attempt: number;
  file: ExportFileRecord;
  at: Date;
}

/** A partition attempt this worker holds. */
export interface PartitionClaim {
  partition: PartitionRecord;
  attempt: number;
  owner: string;
}

export const fileSchema = new Schema<ExportFileRecord>(
  { partition: String, filename: String, key: String, rows: Number, bytes: Number, sha256: String },
  { _id: false },
);
const partitionSchema = new Schema<PartitionRecord>(
  {
    _id: String,
    appId: String,
    jobId: String,
    jobCreatedAt: Date,
    index: Number,
    key: String,
    dataType: String,
    fromDay: String,
    toDay: String,
    status: String,
    leaseUntil: Date,
    attempts: Number,
    startedAt: Date,
    lastError: String,
  },
  { versionKey: false, collection: 'export_partitions' },
);
const attemptSchema = new Schema<PartitionAttemptRecord>(
  {
    _id: String,
    appId: String,
    jobId: String,
    partitionId: String,
    attempt: Number,
    owner: String,
    claimedAt: Date,
    leaseUntil: Date,
    outcome: String,
    error: String,
  },
  { versionKey: false, collection: 'export_partition_attempts' },
);
const resultSchema = new Schema<PartitionResultRecord>(
  { _id: String, appId: String, jobId: String, index: Number, attempt: Number, file: fileSchema, at: Date },
  { versionKey: false, collection: 'export_partition_results' },
);
export const partitionAttemptId = attemptId;

/** Candidates the worker queue looks at per app and poll. */
const CLAIM_CANDIDATES = 8;

/** Apps the worker queue looks at per poll, in fairness order. */
const CLAIM_APPS = 8;

/** The queue's order: oldest job first, then partition order (then _id, so that equal keys keep one order). */
function queueOrder(a: PartitionRecord, b: PartitionRecord): number {
  const byJob = a.jobCreatedAt.getTime() - b.jobCreatedAt.getTime();
  if (byJob !== 0) return byJob;
  if (a.index !== b.index) return a.index - b.index;
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}

/** Partitions, their attempts and results: the only code that knows how the queue is stored. */
@Injectable()
export class PartitionQueueRepository implements OnModuleInit {
  private readonly partitions: Model<PartitionRecord>;
  private readonly attempts: LeasedAttempts<PartitionAttemptRecord>;
  private readonly results: Model<PartitionResultRecord>;
  /**
   * Per app, the number of this process's latest claim for it: the round-robin's memory, a tie-break
   * between apps running as many partitions. In memory only, never shared, never a decision of correctness.
   */
  private readonly lastServed = new Map<string, number>();
  private claims = 0;

  constructor(@InjectConnection() connection: Connection) {
    this.partitions = connection.model('ExportPartition', partitionSchema);
    this.attempts = new LeasedAttempts(connection.model('ExportPartitionAttempt', attemptSchema));
    this.results = connection.model('ExportPartitionResult', resultSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.partitions.collection.createIndex({ status: 1, leaseUntil: 1 });
    await this.partitions.collection.createIndex({ appId: 1, jobId: 1, index: 1 });
    await this.results.collection.createIndex({ appId: 1, jobId: 1, index: 1 });
  }

  /** Inserts the planned partitions; those inserted already are left as they are (ids are deterministic). */
  insertPartitions(partitions: PartitionRecord[]): Promise<void> {
    return insertManyOnce(this.partitions, partitions);
  }

  listPartitions(appId: string, jobId: string): Promise<PartitionRecord[]> {
    return this.partitions.find({ appId, jobId }).sort({ index: 1 }).lean<PartitionRecord[]>().exec();
  }

  /**
   * The worker queue, across apps: finds partitions whose hint says claimable (pending, or running with an
   * expired lease: its worker died), checks the latest attempt's own lease, and claims the next attempt by
   * unique insert. Several workers may pick the same candidate; one wins the insert, the others move on.
   *
   * Capacity is shared between apps, so one app's big export does not starve the others: the apps with
   * claimable partitions are taken in fairness order (fewest partitions running right now, then the one this
   * process served least recently, then the oldest partition), and their candidates tried round-robin (each
   * app's oldest partition, then each app's second, ...). Within an app the queue order holds: oldest job
   * first, then partition order, so an app's queued jobs run in creation order.
   *
   * Every query is an equality on indexed fields FerretDB pushes down (`status`, then `status` and `appId`):
   * the apps with pending partitions (their `appId` only), the running partitions (as many as there are
   * workers, plus those of dead workers), then each chosen app's oldest pending partitions.
   */
  async claimPartition(owner: string, now: Date, leaseMs: number): Promise<PartitionClaim | null> {
    const [pendingApps, running] = await Promise.all([
      // A find, not distinct: FerretDB pushes a find's `status` equality down to its database.
      this.partitions
        .find({ status: 'pending', leaseUntil: { $lte: now } }, { _id: 0, appId: 1 })
        .lean<Pick<PartitionRecord, 'appId'>[]>()
        .exec(),
      this.partitions.find({ status: 'running' }).lean<PartitionRecord[]>().exec(),
    ]);
    const held = new Map<string, number>();
    const expired = new Map<string, PartitionRecord[]>();
    for (const partition of running) {
      if (partition.leaseUntil > now) held.set(partition.appId, (held.get(partition.appId) ?? 0) + 1);
      else expired.set(partition.appId, [...(expired.get(partition.appId) ?? []), partition]);
    }
    const pending = new Set(pendingApps.map((p) => p.appId));
    const fairness = (a: string, b: string) =>
      (held.get(a) ?? 0) - (held.get(b) ?? 0) || (this.lastServed.get(a) ?? 0) - (this.lastServed.get(b) ?? 0);
    const apps = [...new Set([...pending, ...expired.keys()])].sort(fairness).slice(0, CLAIM_APPS);
    const perApp = await lookUpEach(apps, async (appId) => {
      const due = pending.has(appId)
        ? await this.partitions
            .find({ status: 'pending', appId, leaseUntil: { $lte: now } })
            .sort({ jobCreatedAt: 1, index: 1 })
            .limit(CLAIM_CANDIDATES)
            .lean<PartitionRecord[]>()
            .exec()
        : [];
      return [...due, ...(expired.get(appId) ?? [])].sort(queueOrder).slice(0, CLAIM_CANDIDATES);
    });
    const queues = perApp
      .filter((candidates) => candidates.length > 0)
      .sort(
        (a, b) =>
          fairness((a[0] as PartitionRecord).appId, (b[0] as PartitionRecord).appId) ||
          queueOrder(a[0] as PartitionRecord, b[0] as PartitionRecord),
      );
    const candidates: PartitionRecord[] = [];
    for (let i = 0; i < CLAIM_CANDIDATES; i++)
      for (const queue of queues) if (queue[i]) candidates.push(queue[i] as PartitionRecord);
    for (const partition of candidates) {
      const latest = await this.latestAttempt(partition);
      if (latest && latest.leaseUntil > now) continue; // held or backing off: the hint is behind
      const attempt = (latest?.attempt ?? 0) + 1;
      const leaseUntil = new Date(now.getTime() + leaseMs);
      const claimed = await this.attempts.claim({
        _id: partitionAttemptId(partition._id, attempt),
        appId: partition.appId,
        jobId: partition.jobId,
        partitionId: partition._id,
        attempt,
        owner,
        claimedAt: now,
        leaseUntil,
        outcome: 'running',
        error: null,
      });
      if (!claimed) continue; // another worker holds this attempt
      this.served(partition.appId);
      const hint: Partial<PartitionRecord> = { status: 'running', attempts: attempt, leaseUntil };
      if (attempt === 1) hint.startedAt = now;
      await this.partitions.updateOne({ _id: partition._id, appId: partition.appId }, { $set: hint });
      return { partition: { ...partition, ...hint }, attempt, owner };
    }
    return null;
  }

  /** Remembers that this process just served `appId` (the round-robin's memory; this process's only). */
  private served(appId: string): void {
    if (this.lastServed.size >= 10_000) this.lastServed.clear();
    this.lastServed.set(appId, ++this.claims);
  }

  /** The partition's latest attempt, probed from the hint's count. */
  private latestAttempt(partition: PartitionRecord): Promise<PartitionAttemptRecord | null> {
    return this.attempts.latest(partition.appId, partition._id, partition.attempts);
  }

  /** Extends the holder's lease; false when a later attempt superseded it (its lease had run out). */
  async heartbeat(claim: PartitionClaim, leaseUntil: Date): Promise<boolean> {
    const { partition, attempt } = claim;
    if (!(await this.attempts.extend(partition.appId, partition._id, attempt, leaseUntil))) return false;
    await this.partitions.updateOne({ _id: partition._id, appId: partition.appId }, { $set: { leaseUntil } });
    return true;
  }

  /**
   * The holder records its attempt's outcome, and the partition's hint with it. `retry` keeps the next
   * attempt away until `retryAt` (the back-off).
   */
  async settleAttempt(
    claim: PartitionClaim,
    outcome: Exclude<AttemptOutcome, 'running'>,
    now: Date,
    detail: { error?: string; retryAt?: Date } = {},
  ): Promise<void> {
    const { partition, attempt } = claim;
    const leaseUntil = outcome === 'retry' && detail.retryAt ? detail.retryAt : now;
    const error = detail.error ?? null;
    await this.attempts.settle(partition.appId, partition._id, attempt, { outcome, leaseUntil, error });
    const status: PartitionStatus = outcome === 'retry' ? 'pending' : outcome;
    await this.partitions.updateOne(
      { _id: partition._id, appId: partition.appId },
      { $set: { status, leaseUntil, ...(error ? { lastError: error } : {}) } },
    );
  }

  /** Appends the partition's result; false when another attempt's result was recorded first. */
  insertResult(result: PartitionResultRecord): Promise<boolean> {
    return insertOnce(this.results, result);
  }

  async hasResult(appId: string, partitionId: string): Promise<boolean> {
    return !!(await this.results.exists({ _id: partitionId, appId }).exec());
  }

  listResults(appId: string, jobId: string): Promise<PartitionResultRecord[]> {
    return this.results.find({ appId, jobId }).sort({ index: 1 }).lean<PartitionResultRecord[]>().exec();
  }
}
