import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { Connection, Model, Schema } from 'mongoose';
import { insertOnce } from '../db/records';
import type { ExportCompression } from '../formats/file-encoding';
import { ExportFormat } from '../formats/row-formatter';
import { ExportFileRecord, fileSchema } from '../queue/partition-queue.repository';
import { CoveoExport } from './coveo-export';
import { ExportDataType } from './partition-planner';

/*
 * The job repository: jobs as created, their ends, the Bulk API's lock (slots), end and notification
 * attempts, retention. Concurrency patterns as in ../db/records.ts; partitions live in the partition queue.
 */

export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';
export type EndStatus = 'completed' | 'failed' | 'cancelled';

/**
 * `export_jobs`: the request as created, written once. Its only later write is the retention sweeper's
 * `filesDeleted: true`, the same value from every sweeper (single writer role; nothing else writes the job).
 * Status, files and the end live in the job's end record; progress in its partition results.
 */
export interface ExportJobRecord {
  _id: string;
  appId: string;
  /** bulk | on_demand | coveo */
  api: string;
  dataTypes: ExportDataType[];
  format: ExportFormat;
  /** Absent (jobs stored before compression was a choice): gzip. */
  compression?: ExportCompression;
  fromDay: string;
  toDay: string;
  eventTypes: string[];
  userIds: string[];
  companyIds: string[];
  segmentId: string;
  /** company_features by history option (then fromDay and toDay are empty). */
  history: string;
  exclusions: boolean;
  emails: string[];
  /** The row filter in the filter language, or empty. */
  filter: string;
  /** The export schedule whose run created the job (absent for a job asked for). */
  scheduleId?: string;
  /** An incremental run's reception window: rows received in [from, to), whatever their event day. */
  receivedFrom?: Date | null;
  receivedTo?: Date | null;
  /** A Coveo-compatible job's window, tables and CSV options (absent for the other APIs). */
  coveo?: CoveoExport | null;
  /** Part of the days was past the app's retention when the job was created: rows from `retainedFrom` on. */
  retentionTruncated?: boolean;
  retainedFrom?: string;
  /** The id of the request that created the job (`x-request-id`): the job's log lines in every service carry it. */
  requestId?: string;
  partitionKeys: string[];
  /**
   * The job's slot: a Bulk API job claims the app's next numbered slot (one Bulk API job in progress per
   * app); an on-demand job has a slot of its own, `<appId>#job:<jobId>`, which blocks nothing.
   */
  slotId: string;
  createdAt: Date;
  visibleUntil: Date;
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

/**
 * `export_job_deletions` (_id = job id): a job deleted on request (the Coveo API's DELETE), by unique insert,
 * never updated; a deleted job is not found. The job document itself stays as written.
 */
interface JobDeletionRecord {
  _id: string;
  appId: string;
  at: Date;
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

/**
 * `export_file_revisions` (_id = `<jobId>|<partition>|<requestId>`): append-only, one per file an erasure
 * rewrote without the erased user (a new object key; the old object is deleted after this record is
 * written). A job's current files are its end's files with each partition's latest revision folded in.
 */
export interface FileRevisionRecord {
  _id: string;
  appId: string;
  jobId: string;
  partition: string;
  /** The privacy request that rewrote the file. */
  requestId: string;
  file: ExportFileRecord;
  removedRows: number;
  editedRows: number;
  at: Date;
}

const jobSchema = new Schema<ExportJobRecord>(
  {
    _id: String,
    appId: String,
    api: String,
    dataTypes: [String],
    format: String,
    compression: String,
    fromDay: String,
    toDay: String,
    eventTypes: [String],
    userIds: [String],
    companyIds: [String],
    segmentId: String,
    history: String,
    exclusions: Boolean,
    emails: [String],
    filter: String,
    scheduleId: String,
    receivedFrom: Date,
    receivedTo: Date,
    coveo: {
      type: new Schema(
        {
          timeFrom: Date,
          timeTo: Date,
          tables: [new Schema({ name: String, dataType: String, dimensions: [String] }, { _id: false })],
          dimensions: [String],
          useDisplayNames: Boolean,
          csvFormat: String,
          filename: String,
          description: String,
          author: String,
          eventsFilter: String,
        },
        { _id: false },
      ),
      default: undefined,
    },
    retentionTruncated: Boolean,
    retainedFrom: String,
    partitionKeys: [String],
    slotId: String,
    createdAt: Date,
    visibleUntil: Date,
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
const slotSchema = new Schema<JobSlotRecord>(
  { _id: String, appId: String, n: Number, jobId: String, createdAt: Date, ended: Boolean },
  { versionKey: false, collection: 'export_job_slots' },
);
const finalizeFailureSchema = new Schema<FinalizeFailureRecord>(
  { _id: String, appId: String, jobId: String, at: Date, error: String },
  { versionKey: false, collection: 'export_finalize_failures' },
);
const deletionSchema = new Schema<JobDeletionRecord>(
  { _id: String, appId: String, at: Date },
  { versionKey: false, collection: 'export_job_deletions' },
);
const notifyAttemptSchema = new Schema<NotifyAttemptRecord>(
  { _id: String, appId: String, jobId: String, attempt: Number, owner: String, at: Date },
  { versionKey: false, collection: 'export_notify_attempts' },
);

const fileRevisionSchema = new Schema<FileRevisionRecord>(
  {
    _id: String,
    appId: String,
    jobId: String,
    partition: String,
    requestId: String,
    file: fileSchema,
    removedRows: Number,
    editedRows: Number,
    at: Date,
  },
  { versionKey: false, collection: 'export_file_revisions' },
);

/** An on-demand job's own slot. */
export function ownSlotId(appId: string, jobId: string): string {
  return `${appId}#job:${jobId}`;
}

function slotId(appId: string, n: number): string {
  return `${appId}#${n}`;
}

/** Jobs, their ends and the Bulk API's lock: the only code that knows how they are stored. */
@Injectable()
export class ExportJobRepository implements OnModuleInit {
  private readonly jobs: Model<ExportJobRecord>;
  private readonly ends: Model<JobEndRecord>;
  private readonly slots: Model<JobSlotRecord>;
  private readonly finalizeFailures: Model<FinalizeFailureRecord>;
  private readonly notifyAttempts: Model<NotifyAttemptRecord>;
  private readonly deletions: Model<JobDeletionRecord>;
  private readonly fileRevisions: Model<FileRevisionRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.jobs = connection.model('ExportJob', jobSchema);
    this.ends = connection.model('ExportJobEnd', endSchema);
    this.slots = connection.model('ExportJobSlot', slotSchema);
    this.finalizeFailures = connection.model('ExportFinalizeFailure', finalizeFailureSchema);
    this.notifyAttempts = connection.model('ExportNotifyAttempt', notifyAttemptSchema);
    this.deletions = connection.model('ExportJobDeletion', deletionSchema);
    this.fileRevisions = connection.model('ExportFileRevision', fileRevisionSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.jobs.collection.createIndex({ appId: 1, createdAt: -1 });
    await this.jobs.collection.createIndex({ filesDeleted: 1, createdAt: 1 });
    await this.jobs.collection.createIndex({ appId: 1, filesDeleted: 1 });
    await this.ends.collection.createIndex({ notifyPending: 1, notifyNextAt: 1 });
    await this.slots.collection.createIndex({ appId: 1, n: -1 });
    await this.slots.collection.createIndex({ ended: 1, createdAt: 1 });
    await this.finalizeFailures.collection.createIndex({ appId: 1, jobId: 1 });
    await this.fileRevisions.collection.createIndex({ appId: 1, jobId: 1 });
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
    return (await insertOnce(this.slots, slot)) ? slot._id : null;
  }

  /** An on-demand job's own slot (outside the numbered ones): answers its id, or null when it exists already. */
  async claimOwnSlot(appId: string, jobId: string, now: Date): Promise<string | null> {
    const slot: JobSlotRecord = { _id: ownSlotId(appId, jobId), appId, n: 0, jobId, createdAt: now, ended: false };
    return (await insertOnce(this.slots, slot)) ? slot._id : null;
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

  /** Inserts the job unless its id exists (answers false then: an earlier create of the same job won). */
  insertJob(job: ExportJobRecord): Promise<boolean> {
    return insertOnce(this.jobs, job);
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
    return insertOnce(this.ends, end);
  }

  findEnd(appId: string, jobId: string): Promise<JobEndRecord | null> {
    return this.ends.findOne({ _id: jobId, appId }).lean<JobEndRecord>().exec();
  }

  /** Unique insert: every deleter of a job writes the same fact, the first one stays. */
  async insertDeletion(appId: string, jobId: string, now: Date): Promise<void> {
    await insertOnce(this.deletions, { _id: jobId, appId, at: now });
  }

  async isDeleted(appId: string, jobId: string): Promise<boolean> {
    return !!(await this.deletions.exists({ _id: jobId, appId }).exec());
  }

  /** Append-only: records one failed attempt at ending a job; answers how many there have been. */
  async recordFinalizeFailure(appId: string, jobId: string, error: string, now: Date): Promise<number> {
    await this.finalizeFailures.collection.insertOne({ _id: randomUUID(), appId, jobId, at: now, error } as never);
    return this.finalizeFailures.countDocuments({ appId, jobId }).exec();
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
    return insertOnce(this.notifyAttempts, { _id: `${jobId}#${attempt}`, appId, jobId, attempt, owner, at: now });
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

  /** Jobs whose files are not deleted yet, oldest first, across apps (each app's file retention decides). */
  jobsWithFiles(): Promise<ExportJobRecord[]> {
    return this.jobs.find({ filesDeleted: false }).sort({ createdAt: 1 }).lean<ExportJobRecord[]>().exec();
  }

  /** One app's jobs whose files are not deleted yet (what an erasure looks through). */
  appJobsWithFiles(appId: string): Promise<ExportJobRecord[]> {
    return this.jobs.find({ appId, filesDeleted: false }).lean<ExportJobRecord[]>().exec();
  }

  async hasEnded(appId: string, jobId: string): Promise<boolean> {
    return !!(await this.ends.exists({ _id: jobId, appId }).exec());
  }

  /** Unique insert: a retried rewrite of the same file by the same request records it once. */
  async insertFileRevision(revision: FileRevisionRecord): Promise<void> {
    await insertOnce(this.fileRevisions, revision);
  }

  listFileRevisions(appId: string, jobId: string): Promise<FileRevisionRecord[]> {
    return this.fileRevisions.find({ appId, jobId }).sort({ at: 1 }).lean<FileRevisionRecord[]>().exec();
  }

  async markFilesDeleted(appId: string, jobId: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId, appId }, { $set: { filesDeleted: true } });
  }
}
