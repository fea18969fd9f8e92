import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { Connection, Model, Schema } from 'mongoose';
import { ExportFormat } from '../formats/row-formatter';
import { ExportDataset } from './partition-planner';

/*
 * How export-job stays correct on FerretDB 1.24, which loses concurrent updates of one document (an update
 * rewrites the whole document from its own read) and lets several conditional updates "win": no document is
 * read-modified-written by two processes or async tasks where it matters. Each collection below says which
 * pattern protects it:
 *
 * - single writer: a document only one process or task writes (after a unique-insert claim made it theirs);
 * - unique-insert claim: the first insert of an _id wins, every other insert gets duplicate key 11000;
 * - append-only records folded by one reader: facts are inserted once and never updated; state is derived.
 */

export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';
export type EndStatus = 'completed' | 'failed' | 'cancelled';
export type PartitionStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
export type AttemptOutcome = 'running' | 'done' | 'retry' | 'failed' | 'cancelled';

export interface ExportFileRecord {
  partition: string;
  filename: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * `export_jobs`: the request as created, written once. Its only later write is the retention sweeper's
 * `filesDeleted: true`, the same value from every sweeper (single writer role; nothing else writes the job).
 * Status, files and the end live in the job's end record; progress in its partition results.
 */
export interface ExportJobRecord {
  _id: string;
  appId: string;
  /** bulk | on_demand */
  api: string;
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
  /**
   * The job's slot: a Bulk API job claims the app's next numbered slot (one Bulk API job in progress per
   * app); an on-demand job has a slot of its own, `<appId>#job:<jobId>`, which blocks nothing.
   */
  slotId: string;
  createdAt: Date;
  visibleUntil: Date;
  filesDeleteAt: Date;
  filesDeleted: boolean;
}

/**
 * `export_job_ends` (_id = job id): unique-insert claim of the job's one end. Completion, failure, a cancel
 * and the recovery check all race to insert it; the first wins and the others read the outcome. The outcome
 * fields are never written again. The insert is also the notification hand-off: `notify*` fields are then
 * written only by the holder of the current notification attempt (see `export_notify_attempts`).
 */
export interface JobEndRecord {
  _id: string;
  appId: string;
  status: EndStatus;
  at: Date;
  error: string | null;
  files: ExportFileRecord[];
  manifestKey: string | null;
  notifyPending: boolean;
  notifyNextAt: Date | null;
  notifyAttempts: number;
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
  dataset: ExportDataset;
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

/**
 * `export_job_slots` (_id = `<appId>#<n>`): one Bulk API job in progress per app, by unique-insert claim of
 * the app's next slot number; never deleted. On-demand jobs queue instead: each inserts a slot of its own
 * (_id = `<appId>#job:<jobId>`, `n` 0), outside the numbered ones `latestSlot` probes, so it never blocks a
 * create; it only keeps the job in the recovery scan until it ends. `ended` is a monotonic flag (every
 * writer sets true) that keeps ended slots out of the recovery scan.
 */
export interface JobSlotRecord {
  _id: string;
  appId: string;
  n: number;
  jobId: string;
  createdAt: Date;
  ended: boolean;
}

/** `export_finalize_failures`: append-only, one per failed attempt at ending a job; counted, never updated. */
interface FinalizeFailureRecord {
  _id: string;
  appId: string;
  jobId: string;
  at: Date;
  error: string;
}

/** `export_notify_attempts` (_id = `<jobId>#<n>`): unique-insert claim of notification attempt n of a job. */
export interface NotifyAttemptRecord {
  _id: string;
  appId: string;
  jobId: string;
  attempt: number;
  owner: string;
  at: Date;
}

/** A partition attempt this worker holds. */
export interface PartitionClaim {
  partition: PartitionRecord;
  attempt: number;
  owner: string;
}

/** Everything a job's state is folded from. */
export interface ExportJobState {
  job: ExportJobRecord;
  end: JobEndRecord | null;
  partitions: PartitionRecord[];
  results: PartitionResultRecord[];
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
    slotId: String,
    createdAt: Date,
    visibleUntil: Date,
    filesDeleteAt: Date,
    filesDeleted: Boolean,
  },
  { versionKey: false, collection: 'export_jobs' },
);
const endSchema = new Schema<JobEndRecord>(
  {
    _id: String,
    appId: String,
    status: String,
    at: Date,
    error: String,
    files: [fileSchema],
    manifestKey: String,
    notifyPending: Boolean,
    notifyNextAt: Date,
    notifyAttempts: Number,
  },
  { versionKey: false, collection: 'export_job_ends' },
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
const slotSchema = new Schema<JobSlotRecord>(
  { _id: String, appId: String, n: Number, jobId: String, createdAt: Date, ended: Boolean },
  { versionKey: false, collection: 'export_job_slots' },
);
const finalizeFailureSchema = new Schema<FinalizeFailureRecord>(
  { _id: String, appId: String, jobId: String, at: Date, error: String },
  { versionKey: false, collection: 'export_finalize_failures' },
);
const notifyAttemptSchema = new Schema<NotifyAttemptRecord>(
  { _id: String, appId: String, jobId: String, attempt: Number, owner: String, at: Date },
  { versionKey: false, collection: 'export_notify_attempts' },
);

export function partitionAttemptId(partitionId: string, attempt: number): string {
  return `${partitionId}#${attempt}`;
}

function slotId(appId: string, n: number): string {
  return `${appId}#${n}`;
}

/** Candidates the worker queue looks at per app and poll. */
const CLAIM_CANDIDATES = 8;

/** Apps the worker queue looks at per poll, in fairness order. */
const CLAIM_APPS = 8;

/** Jobs (or ends) whose records are read at the same time, one indexed equality per query. */
const LOOKUP_CONCURRENCY = 8;

/** The queue's order: oldest job first, then partition order (then _id, so that equal keys keep one order). */
function queueOrder(a: PartitionRecord, b: PartitionRecord): number {
  const byJob = a.jobCreatedAt.getTime() - b.jobCreatedAt.getTime();
  if (byJob !== 0) return byJob;
  if (a.index !== b.index) return a.index - b.index;
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}

/** `lookup` of every item, `LOOKUP_CONCURRENCY` at a time; the answers in the items' order. */
async function lookUpEach<T, R>(items: T[], lookup: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = [];
  for (let start = 0; start < items.length; start += LOOKUP_CONCURRENCY)
    answers.push(...(await Promise.all(items.slice(start, start + LOOKUP_CONCURRENCY).map(lookup))));
  return answers;
}

/** Export jobs and everything their state is folded from. The only code that knows how they are stored. */
@Injectable()
export class ExportJobRepository implements OnModuleInit {
  private readonly jobs: Model<ExportJobRecord>;
  private readonly ends: Model<JobEndRecord>;
  private readonly partitions: Model<PartitionRecord>;
  private readonly attempts: Model<PartitionAttemptRecord>;
  private readonly results: Model<PartitionResultRecord>;
  private readonly slots: Model<JobSlotRecord>;
  private readonly finalizeFailures: Model<FinalizeFailureRecord>;
  private readonly notifyAttempts: Model<NotifyAttemptRecord>;
  /**
   * Per app, the number of this process's latest claim for it: the round-robin's memory, a tie-break
   * between apps running as many partitions. In memory only, never shared, never a decision of correctness.
   */
  private readonly lastServed = new Map<string, number>();
  private claims = 0;

  constructor(@InjectConnection() connection: Connection) {
    this.jobs = connection.model('ExportJob', jobSchema);
    this.ends = connection.model('ExportJobEnd', endSchema);
    this.partitions = connection.model('ExportPartition', partitionSchema);
    this.attempts = connection.model('ExportPartitionAttempt', attemptSchema);
    this.results = connection.model('ExportPartitionResult', resultSchema);
    this.slots = connection.model('ExportJobSlot', slotSchema);
    this.finalizeFailures = connection.model('ExportFinalizeFailure', finalizeFailureSchema);
    this.notifyAttempts = connection.model('ExportNotifyAttempt', notifyAttemptSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.jobs.collection.createIndex({ appId: 1, createdAt: -1 });
    await this.jobs.collection.createIndex({ filesDeleted: 1, filesDeleteAt: 1 });
    await this.ends.collection.createIndex({ notifyPending: 1, notifyNextAt: 1 });
    await this.partitions.collection.createIndex({ status: 1, leaseUntil: 1 });
    await this.partitions.collection.createIndex({ appId: 1, jobId: 1, index: 1 });
    await this.results.collection.createIndex({ appId: 1, jobId: 1, index: 1 });
    await this.slots.collection.createIndex({ appId: 1, n: -1 });
    await this.slots.collection.createIndex({ ended: 1, createdAt: 1 });
    await this.finalizeFailures.collection.createIndex({ appId: 1, jobId: 1 });
  }

  /** Inserts `doc` unless its _id exists: answers whether this call inserted it (the claim's winner). */
  private async insertOnce<T>(model: Model<T>, doc: T): Promise<boolean> {
    try {
      await model.collection.insertOne(doc as never);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  // ---- one job in progress per app: slots -----------------------------------------------------------------

  /**
   * The app's slot with the highest number, found by probing slot ids. Slot n+1 is only ever claimed after
   * slot n was read (slot 1 when there is none) and slots are never deleted, so an app's slots are exactly
   * 1..N: doubling n until a slot is missing, then halving the gap, finds N in about 2·log2(N) lookups of one
   * _id each (an index lookup), where `{appId}` sorted by n would read every slot the app ever had (FerretDB
   * sorts in memory). A slot claimed meanwhile can leave the answer behind, as a sorted read could: claiming
   * the number after it then collides with that slot (duplicate key) and the caller reads again.
   */
  async latestSlot(appId: string): Promise<JobSlotRecord | null> {
    const slot = (n: number) =>
      this.slots
        .findOne({ _id: slotId(appId, n), appId })
        .lean<JobSlotRecord>()
        .exec();
    let latest: JobSlotRecord | null = null;
    let seen = 0; // slot `seen` was found (0: no slot needed)
    let missing = 1; // slot `missing` was not found
    for (;;) {
      const found = await slot(missing);
      if (!found) break;
      latest = found;
      seen = missing;
      missing *= 2;
    }
    while (missing - seen > 1) {
      const n = Math.floor((seen + missing) / 2);
      const found = await slot(n);
      if (found) {
        latest = found;
        seen = n;
      } else missing = n;
    }
    return latest;
  }

  /**
   * Unique-insert claim of the app's slot `n` for `jobId`; answers the slot id, or null when taken. `n` is the
   * latest slot's number + 1 (1 when there is none), so the app's slots stay 1..N (what latestSlot relies on).
   */
  async claimSlot(appId: string, n: number, jobId: string, now: Date): Promise<string | null> {
    const slot: JobSlotRecord = { _id: slotId(appId, n), appId, n, jobId, createdAt: now, ended: false };
    return (await this.insertOnce(this.slots, slot)) ? slot._id : null;
  }

  /** An on-demand job's own slot (outside the numbered ones): answers its id, or null when it exists already. */
  async claimOwnSlot(appId: string, jobId: string, now: Date): Promise<string | null> {
    const slot: JobSlotRecord = { _id: `${appId}#job:${jobId}`, appId, n: 0, jobId, createdAt: now, ended: false };
    return (await this.insertOnce(this.slots, slot)) ? slot._id : null;
  }

  /** Monotonic: every caller writes the same `ended: true`, so concurrent calls cannot undo each other. */
  async endSlot(appId: string, slotId: string): Promise<void> {
    await this.slots.updateOne({ _id: slotId, appId }, { $set: { ended: true } });
  }

  /** Slots whose job has not been seen ended, across apps (what the recovery check looks at). */
  openSlots(limit: number): Promise<JobSlotRecord[]> {
    return this.slots.find({ ended: false }).sort({ createdAt: 1 }).limit(limit).lean<JobSlotRecord[]>().exec();
  }

  // ---- jobs and their ends ----------------------------------------------------------------------------------

  async insertJob(job: ExportJobRecord): Promise<void> {
    await this.jobs.collection.insertOne(job as never);
  }

  /** Inserts the planned partitions; those inserted already are left as they are (ids are deterministic). */
  async insertPartitions(partitions: PartitionRecord[]): Promise<void> {
    try {
      await this.partitions.collection.insertMany(partitions as never[], { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { code?: number }[] }).writeErrors;
      const duplicatesOnly = (error as { code?: number }).code === 11000 && (writeErrors ?? []).every((e) => e.code === 11000);
      if (!duplicatesOnly) throw error;
    }
  }

  findJob(appId: string, jobId: string): Promise<ExportJobRecord | null> {
    return this.jobs.findOne({ _id: jobId, appId }).lean<ExportJobRecord>().exec();
  }

  listJobs(appId: string, api: string, visibleAfter: Date): Promise<ExportJobRecord[]> {
    const filter: Record<string, unknown> = { appId, visibleUntil: { $gt: visibleAfter } };
    if (api) filter.api = api;
    return this.jobs.find(filter).sort({ createdAt: -1 }).limit(200).lean<ExportJobRecord[]>().exec();
  }

  /** Unique-insert claim of the job's end; answers whether this call decided it. */
  insertEnd(end: JobEndRecord): Promise<boolean> {
    return this.insertOnce(this.ends, end);
  }

  findEnd(appId: string, jobId: string): Promise<JobEndRecord | null> {
    return this.ends.findOne({ _id: jobId, appId }).lean<JobEndRecord>().exec();
  }

  /**
   * The records each job's state is folded from, read one job at a time (a few jobs at once): its end by
   * `{_id, appId}`, its partitions and results by `{appId, jobId}`, equalities FerretDB pushes down to its
   * database where an index serves them. (An `$in` of the job ids is filtered in FerretDB, after reading every
   * end, partition and result the app ever had.)
   */
  loadStates(appId: string, jobs: ExportJobRecord[]): Promise<ExportJobState[]> {
    return lookUpEach(jobs, async (job) => {
      const [end, partitions, results] = await Promise.all([
        this.findEnd(appId, job._id),
        this.listPartitions(appId, job._id),
        this.listResults(appId, job._id),
      ]);
      return { job, end, partitions, results };
    });
  }

  /** Append-only: records one failed attempt at ending a job; answers how many there have been. */
  async recordFinalizeFailure(appId: string, jobId: string, error: string, now: Date): Promise<number> {
    await this.finalizeFailures.collection.insertOne({ _id: randomUUID(), appId, jobId, at: now, error } as never);
    return this.finalizeFailures.countDocuments({ appId, jobId }).exec();
  }

  // ---- partitions: the worker queue -------------------------------------------------------------------------

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
      const claimed = await this.insertOnce(this.attempts, {
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

  /** The partition's latest attempt: probes ids upward from the hint's count (attempt numbers are dense). */
  private async latestAttempt(partition: PartitionRecord): Promise<PartitionAttemptRecord | null> {
    let latest: PartitionAttemptRecord | null = null;
    for (let n = Math.max(1, partition.attempts); ; n++) {
      const next = await this.attempts
        .findOne({ _id: partitionAttemptId(partition._id, n), appId: partition.appId })
        .lean<PartitionAttemptRecord>()
        .exec();
      if (!next) return latest;
      latest = next;
    }
  }

  /** Extends the holder's lease; false when a later attempt superseded it (its lease had run out). */
  async heartbeat(claim: PartitionClaim, leaseUntil: Date): Promise<boolean> {
    const { partition, attempt } = claim;
    const superseded = await this.attempts
      .exists({ _id: partitionAttemptId(partition._id, attempt + 1), appId: partition.appId })
      .exec();
    if (superseded) return false;
    await this.attempts.updateOne(
      { _id: partitionAttemptId(partition._id, attempt), appId: partition.appId },
      { $set: { leaseUntil } },
    );
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
    await this.attempts.updateOne(
      { _id: partitionAttemptId(partition._id, attempt), appId: partition.appId },
      { $set: { outcome, leaseUntil, error } },
    );
    const status: PartitionStatus = outcome === 'retry' ? 'pending' : outcome;
    await this.partitions.updateOne(
      { _id: partition._id, appId: partition.appId },
      { $set: { status, leaseUntil, ...(error ? { lastError: error } : {}) } },
    );
  }

  /** Appends the partition's result; false when another attempt's result was recorded first. */
  insertResult(result: PartitionResultRecord): Promise<boolean> {
    return this.insertOnce(this.results, result);
  }

  async hasResult(appId: string, partitionId: string): Promise<boolean> {
    return !!(await this.results.exists({ _id: partitionId, appId }).exec());
  }

  listResults(appId: string, jobId: string): Promise<PartitionResultRecord[]> {
    return this.results.find({ appId, jobId }).sort({ index: 1 }).lean<PartitionResultRecord[]>().exec();
  }

  // ---- notification hand-off (a queue across apps) ----------------------------------------------------------

  /** Job ends whose notification is due. */
  dueNotifications(now: Date, limit: number): Promise<JobEndRecord[]> {
    return this.ends
      .find({ notifyPending: true, notifyNextAt: { $lte: now } })
      .sort({ notifyNextAt: 1 })
      .limit(limit)
      .lean<JobEndRecord[]>()
      .exec();
  }

  /** Unique-insert claim of notification attempt `attempt` of a job; answers whether this call won it. */
  claimNotifyAttempt(appId: string, jobId: string, attempt: number, owner: string, now: Date): Promise<boolean> {
    return this.insertOnce(this.notifyAttempts, { _id: `${jobId}#${attempt}`, appId, jobId, attempt, owner, at: now });
  }

  findNotifyAttempt(appId: string, jobId: string, attempt: number): Promise<NotifyAttemptRecord | null> {
    return this.notifyAttempts
      .findOne({ _id: `${jobId}#${attempt}`, appId })
      .lean<NotifyAttemptRecord>()
      .exec();
  }

  /** Written only by the holder of the job's latest notification attempt. */
  async setNotifyState(
    appId: string,
    jobId: string,
    state: Pick<JobEndRecord, 'notifyPending' | 'notifyNextAt' | 'notifyAttempts'>,
  ): Promise<void> {
    await this.ends.updateOne({ _id: jobId, appId }, { $set: state });
  }

  // ---- retention ------------------------------------------------------------------------------------------

  /**
   * Jobs past their file retention whose files are not deleted yet and that have ended. Each due job's end is
   * looked up by `{_id, appId}` (an index lookup; an `$in` of the ids alone would read every end).
   */
  async dueForDeletion(now: Date, limit: number): Promise<ExportJobRecord[]> {
    const due = await this.jobs
      .find({ filesDeleted: false, filesDeleteAt: { $lte: now } })
      .sort({ filesDeleteAt: 1 })
      .limit(limit)
      .lean<ExportJobRecord[]>()
      .exec();
    const ended = await lookUpEach(due, async (job) => !!(await this.ends.exists({ _id: job._id, appId: job.appId }).exec()));
    return due.filter((_, i) => ended[i]);
  }

  async markFilesDeleted(appId: string, jobId: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId, appId }, { $set: { filesDeleted: true } });
  }
}
