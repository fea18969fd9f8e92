import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { ExportStorage } from '../storage/export-storage';
import { ExportFormat, FILE_EXTENSION } from '../formats/row-formatter';
import { ExportJobNotCancellable, ExportAlreadyRunning, ExportJobNotFound, InvalidExportRequest } from './export-jobs.errors';
import {
  ExportFileRecord,
  ExportJobRecord,
  ExportJobRepository,
  ExportJobState,
  JobEndRecord,
  JobSlotRecord,
  JobStatus,
  PartitionRecord,
} from './export-job.repository';
import { ExportDataset, planPartitions } from './partition-planner';
import { ExportApi, RetentionPolicy } from './retention';

export interface CreateExportInput {
  api: string;
  datasets: string[];
  format: string;
  fromDay: string;
  toDay: string;
  eventTypes: string[];
  userIds: string[];
  companyIds: string[];
  segmentId: string;
  history: string;
  exclusions: boolean;
  emails: string[];
  filters: string[];
}

/**
 * A job as the API shows it, folded from its records: the request, its end (status, files), its partitions'
 * results (progress) and (when completed and not expired) signed links.
 */
export interface ExportJobView {
  job: ExportJobRecord;
  status: JobStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  partitions: PartitionRecord[];
  completedChunks: string[];
  currentChunk: string;
  files: (ExportFileRecord & { url: string })[];
  manifestUrl: string;
  linksExpireAt: Date | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DATASETS: ExportDataset[] = ['events', 'feedback', 'users', 'companies', 'company_features'];
const FORMATS: ExportFormat[] = ['json', 'jsonl', 'csv'];
const APIS: ExportApi[] = ['bulk', 'on_demand'];
/**
 * The event types of a Bulk API job that names none: seed 002's six, plus this platform's `feedback`, so a
 * default export holds every tracking call. `page_view`, `track_feature` and `interaction` have no source
 * yet (no tracking call maps to them) and match nothing.
 */
export const DEFAULT_BULK_EVENT_TYPES = [
  'identify_user',
  'identify_company',
  'page_view',
  'track',
  'track_feature',
  'interaction',
  'feedback',
];
/** A slot whose job is not stored yet belongs to a create in progress for this long (then it was abandoned). */
export const CREATE_GRACE_MS = 60_000;
/** Open slots (oldest first) one recovery check looks at: an app's Bulk API job and every queued on-demand job. */
const RECOVERY_SLOTS = 200;

export const RETENTION_POLICY = 'RETENTION_POLICY';

export function objectKey(appId: string, jobId: string, name: string): string {
  return `apps/${appId}/exports/${jobId}/${name}`;
}

/** The planned partitions of a job as stored records; ids are deterministic, so planning twice is harmless. */
export function partitionRecords(job: ExportJobRecord): PartitionRecord[] {
  return planPartitions([...new Set(job.datasets)], job.fromDay, job.toDay).map((p) => ({
    _id: `${job._id}:${p.key}`,
    appId: job.appId,
    jobId: job._id,
    jobCreatedAt: job.createdAt,
    index: p.index,
    key: p.key,
    dataset: p.dataset,
    fromDay: p.fromDay,
    toDay: p.toDay,
    status: 'pending',
    leaseUntil: new Date(0),
    attempts: 0,
    startedAt: null,
    lastError: null,
  }));
}

@Injectable()
export class ExportJobsService {
  private readonly logger = new Logger(ExportJobsService.name);

  constructor(
    private readonly repo: ExportJobRepository,
    private readonly storage: ExportStorage,
    private readonly clock: Clock,
    @Inject(RETENTION_POLICY) private readonly retention: RetentionPolicy,
  ) {}

  async create(appId: string, input: CreateExportInput): Promise<ExportJobView> {
    if (!appId) throw new InvalidExportRequest('app_id is required');
    if (!DAY.test(input.fromDay) || !validDay(input.fromDay))
      throw new InvalidExportRequest('from must be a date in YYYY-MM-DD format');
    if (!DAY.test(input.toDay) || !validDay(input.toDay))
      throw new InvalidExportRequest('to must be a date in YYYY-MM-DD format');
    if (input.fromDay > input.toDay) throw new InvalidExportRequest('from must not be after to');
    const format = (input.format || 'json') as ExportFormat;
    if (!FORMATS.includes(format)) throw new InvalidExportRequest(`format must be one of ${FORMATS.join(', ')}`);
    const datasets = (input.datasets.length > 0 ? input.datasets : ['events']) as ExportDataset[];
    const unknown = datasets.filter((d) => !DATASETS.includes(d));
    if (unknown.length > 0) throw new InvalidExportRequest(`datasets not available: ${unknown.join(', ')}`);

    const api = (input.api || 'bulk') as ExportApi;
    if (!APIS.includes(api)) throw new InvalidExportRequest(`api must be one of ${APIS.join(', ')}`);
    const eventTypes = api === 'bulk' && input.eventTypes.length === 0 ? DEFAULT_BULK_EVENT_TYPES : input.eventTypes;

    const now = this.clock.now();
    const jobId = randomUUID();
    // The Bulk API allows one job in progress per app (409); on-demand jobs queue, each with a slot of its own.
    const slotId = api === 'bulk' ? await this.reserveSlot(appId, jobId, now) : await this.openOwnSlot(appId, jobId, now);
    const job: ExportJobRecord = {
      _id: jobId,
      appId,
      api,
      datasets,
      format,
      fromDay: input.fromDay,
      toDay: input.toDay,
      eventTypes,
      userIds: input.userIds,
      companyIds: input.companyIds,
      segmentId: input.segmentId,
      history: input.history,
      exclusions: input.exclusions,
      emails: input.emails,
      filters: input.filters,
      partitionKeys: planPartitions([...new Set(datasets)], input.fromDay, input.toDay).map((p) => p.key),
      slotId,
      createdAt: now,
      visibleUntil: this.retention.visibleUntil(now),
      filesDeleteAt: this.retention.filesDeleteAt(now),
      filesDeleted: false,
    };
    const partitions = partitionRecords(job);
    try {
      // The job first: a worker that claims a partition always finds its job.
      await this.repo.insertJob(job);
      await this.repo.insertPartitions(partitions);
    } catch (error) {
      await this.end(job, 'failed', `creating the job failed: ${(error as Error).message}`).catch(() => undefined);
      throw error;
    }
    return this.view({ job, end: null, partitions, results: [] });
  }

  /** The job, if `api` (when given) created it: each API sees only its own jobs, another API's is not found. */
  async get(appId: string, jobId: string, api = ''): Promise<ExportJobView> {
    return this.viewOf(await this.visibleJob(appId, jobId, api));
  }

  private async visibleJob(appId: string, jobId: string, api: string): Promise<ExportJobRecord> {
    const job = await this.repo.findJob(appId, jobId);
    if (!job || !this.retention.isVisible(job.createdAt, this.clock.now())) throw new ExportJobNotFound(appId, jobId);
    if (api && apiOf(job) !== api) throw new ExportJobNotFound(appId, jobId);
    return job;
  }

  async list(appId: string, api: string): Promise<ExportJobView[]> {
    const jobs = await this.repo.listJobs(appId, api, this.clock.now());
    return Promise.all((await this.repo.loadStates(appId, jobs)).map((state) => this.view(state)));
  }

  async viewOf(job: ExportJobRecord): Promise<ExportJobView> {
    const [state] = await this.repo.loadStates(job.appId, [job]);
    return this.view(state as ExportJobState);
  }

  /** Unique-insert claim of the end: a cancel and a completion cannot both win. */
  async cancel(appId: string, jobId: string, api = ''): Promise<ExportJobView> {
    const job = await this.visibleJob(appId, jobId, api);
    if (!(await this.end(job, 'cancelled', 'cancelled on request'))) {
      const end = await this.repo.findEnd(appId, jobId);
      if (end && end.status !== 'cancelled') throw new ExportJobNotCancellable(jobId, end.status);
    }
    return this.get(appId, jobId, api);
  }

  /**
   * After each finished partition, and from the recovery check: when every partition has its result, writes
   * the manifest and claims the job's end. Results are append-only (one per partition), so every caller
   * folds the same files and writes the same manifest bytes; the unique end insert makes one of them the
   * job's completion (and its one notification hand-off). Answers whether this call completed the job.
   */
  async finishIfComplete(appId: string, jobId: string): Promise<boolean> {
    const job = await this.repo.findJob(appId, jobId);
    if (!job || (await this.repo.findEnd(appId, jobId))) return false;
    const results = await this.repo.listResults(appId, jobId);
    if (results.length < job.partitionKeys.length) return false;
    const files = results.map((r) => r.file);
    const manifestKey = objectKey(appId, jobId, 'manifest.json');
    const manifest = {
      job_id: jobId,
      app_id: appId,
      format: job.format,
      from: job.fromDay,
      to: job.toDay,
      datasets: job.datasets,
      files: files.map((f) => ({
        filename: f.filename,
        key: f.key,
        partition: f.partition,
        rows: f.rows,
        bytes: f.bytes,
        sha256: f.sha256,
      })),
    };
    await this.storage.put(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
    const won = await this.end(job, 'completed', null, { files, manifestKey });
    if (won) this.logger.log(`export ${jobId} of app ${appId} completed (${files.length} files)`);
    return won;
  }

  /** A partition ran out of attempts: the job fails with what failed (if nothing ended it first). */
  async failJob(appId: string, jobId: string, message: string): Promise<void> {
    const job = await this.repo.findJob(appId, jobId);
    if (job && (await this.end(job, 'failed', message))) this.logger.warn(`export ${jobId} of app ${appId} failed: ${message}`);
  }

  /**
   * Every process, now and then: ends jobs whose partitions have all ended but whose end was not recorded
   * (the process died between the last partition and the job's end, or the manifest upload failed), plans
   * the partitions of a job whose create died half-way, and frees slots of ended jobs: so no job stays in
   * progress. Every step is a claim or an idempotent insert, so several processes may run it at once.
   */
  async recover(maxAttempts: number): Promise<void> {
    const now = this.clock.now();
    for (const slot of await this.repo.openSlots(RECOVERY_SLOTS)) {
      const job = await this.repo.findJob(slot.appId, slot.jobId);
      const young = now.getTime() - slot.createdAt.getTime() < CREATE_GRACE_MS;
      if (!job) {
        if (!young) await this.repo.endSlot(slot.appId, slot._id);
        continue;
      }
      if (await this.repo.findEnd(job.appId, job._id)) {
        await this.repo.endSlot(job.appId, slot._id);
        continue;
      }
      const partitions = await this.repo.listPartitions(job.appId, job._id);
      if (partitions.length < job.partitionKeys.length) {
        if (!young) await this.repo.insertPartitions(partitionRecords(job));
        continue;
      }
      const results = await this.repo.listResults(job.appId, job._id);
      if (results.length >= job.partitionKeys.length) {
        try {
          await this.finishIfComplete(job.appId, job._id);
        } catch (error) {
          const message = `writing the manifest failed: S3 upload failed: ${(error as Error).message}`;
          const attempts = await this.repo.recordFinalizeFailure(job.appId, job._id, message, this.clock.now());
          this.logger.warn(`export ${job._id}: ${message} (attempt ${attempts})`);
          if (attempts >= maxAttempts) await this.failJob(job.appId, job._id, `${message} (gave up after ${attempts} attempts)`);
        }
        continue;
      }
      // The worker that gave up on a partition ends the job itself; this covers its death in between.
      const failed = partitions.find((p) => p.status === 'failed');
      if (failed) await this.failJob(job.appId, job._id, failed.lastError ?? `partition ${failed.key} failed`);
    }
  }

  async isActive(appId: string, jobId: string): Promise<boolean> {
    return !(await this.repo.findEnd(appId, jobId));
  }

  fileFor(job: Pick<ExportJobRecord, '_id' | 'appId' | 'format'>, partitionKey: string): { filename: string; key: string } {
    const filename = `${partitionKey}.${FILE_EXTENSION[job.format]}`;
    return { filename, key: objectKey(job.appId, job._id, filename) };
  }

  /**
   * Claims the job's end by unique insert (first caller wins, the others answer false), then frees the app's
   * slot. A completed or failed end is also the notification hand-off (`notifyPending`), so it is handed off
   * exactly once.
   */
  private async end(
    job: ExportJobRecord,
    status: JobEndRecord['status'],
    error: string | null,
    completed: { files: ExportFileRecord[]; manifestKey: string } = { files: [], manifestKey: '' },
  ): Promise<boolean> {
    const now = this.clock.now();
    const notify = status !== 'cancelled';
    const won = await this.repo.insertEnd({
      _id: job._id,
      appId: job.appId,
      status,
      at: now,
      error,
      files: completed.files,
      manifestKey: completed.manifestKey || null,
      notifyPending: notify,
      notifyNextAt: notify ? now : null,
      notifyAttempts: 0,
    });
    await this.repo.endSlot(job.appId, job.slotId);
    return won;
  }

  /**
   * One job in progress per app: the app's next slot is claimed by unique insert, so of concurrent creates
   * exactly one gets it. The latest slot is free once its job has ended (or its create died: no job after
   * CREATE_GRACE_MS); nothing is ever deleted, so a late release cannot free someone else's slot.
   */
  private async reserveSlot(appId: string, jobId: string, now: Date): Promise<string> {
    for (let round = 0; round < 3; round++) {
      const latest = await this.repo.latestSlot(appId);
      if (latest && !latest.ended && (await this.slotHeld(latest, now))) throw new ExportAlreadyRunning(latest.jobId);
      const slotId = await this.repo.claimSlot(appId, (latest?.n ?? 0) + 1, jobId, now);
      if (slotId) return slotId;
    }
    throw new ExportAlreadyRunning('');
  }

  /**
   * An on-demand job's own slot (`<appId>#job:<jobId>`): never contended and outside the app's numbered
   * slots, so it blocks nothing; it only lets the recovery check see the job until it has ended.
   */
  private async openOwnSlot(appId: string, jobId: string, now: Date): Promise<string> {
    const slotId = await this.repo.claimOwnSlot(appId, jobId, now);
    if (!slotId) throw new Error(`the slot of job ${jobId} exists already`);
    return slotId;
  }

  private async slotHeld(slot: JobSlotRecord, now: Date): Promise<boolean> {
    const job = await this.repo.findJob(slot.appId, slot.jobId);
    if (!job) return now.getTime() - slot.createdAt.getTime() < CREATE_GRACE_MS;
    return !(await this.repo.findEnd(slot.appId, slot.jobId));
  }

  async view(state: ExportJobState): Promise<ExportJobView> {
    const { job, end, partitions, results } = state;
    const completedChunks = results.map((r) => r.file.partition);
    const done = new Set(completedChunks);
    const running = partitions.find((p) => p.status === 'running' && !done.has(p.key));
    const currentChunk = running?.key ?? completedChunks[completedChunks.length - 1] ?? '';
    const starts = partitions.flatMap((p) => (p.startedAt ? [p.startedAt.getTime()] : []));
    const startedAt = starts.length > 0 ? new Date(Math.min(...starts)) : null;
    const status: JobStatus = end?.status ?? (startedAt || results.length > 0 ? 'in_progress' : 'pending');
    let files: ExportJobView['files'] = [];
    let manifestUrl = '';
    let linksExpireAt: Date | null = null;
    if (end?.status === 'completed' && !job.filesDeleted) {
      const finishedAt = end.at;
      const api = apiOf(job);
      linksExpireAt = this.retention.linksExpireAt(finishedAt, api);
      if (this.retention.linksValid(finishedAt, this.clock.now(), api)) {
        // Signed at the job's end: the same link on every read, valid until linksExpireAt (per the job's API).
        const ttl = this.retention.linkTtlSeconds(api);
        const sign = (key: string) => this.storage.presign(key, finishedAt, ttl);
        files = await Promise.all(end.files.map(async (f) => ({ ...f, url: await sign(f.key) })));
        manifestUrl = end.manifestKey ? await sign(end.manifestKey) : '';
      } else {
        files = end.files.map((f) => ({ ...f, url: '' }));
      }
    }
    return {
      job,
      status,
      startedAt,
      finishedAt: end?.at ?? null,
      error: end?.error ?? null,
      partitions,
      completedChunks,
      currentChunk,
      files,
      manifestUrl,
      linksExpireAt,
    };
  }
}

/** Jobs stored before the API was recorded were Bulk API jobs. */
function apiOf(job: ExportJobRecord): ExportApi {
  return job.api === 'on_demand' ? 'on_demand' : 'bulk';
}

function validDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}
