import { Inject, Injectable, Logger } from '@nestjs/common';
import { currentRequestId } from '@exportd/observability';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { lookUpEach } from '../db/records';
import { fileExtension } from '../formats/file-encoding';
import {
  ExportFileRecord,
  PartitionQueueRepository,
  PartitionRecord,
  PartitionResultRecord,
} from '../queue/partition-queue.repository';
import { ExportStorage } from '../storage/export-storage';
import { CoveoExport, planCoveoTables, zipFilename } from './coveo-export';
import {
  ExportJobRecord,
  ExportJobRepository,
  FileRevisionRecord,
  JobEndRecord,
  JobSlotRecord,
  JobStatus,
  ownSlotId,
} from './export-job.repository';
import { ExportAlreadyRunning, ExportJobNotCancellable, ExportJobNotFound, InvalidExportRequest } from './export-jobs.errors';
import { apiOf } from './export-job.mapper';
import { ExportPreconditions } from './export-preconditions';
import { checkExportRequest, ExportRequest, RetainedDays, retainedDays } from './export-request';
import { PlannedPartition, planPartitions, planZipPartition } from './partition-planner';
import { ExportApi, RetentionPolicy } from './retention';

/** Everything a job's state is folded from. */
export interface ExportJobState {
  job: ExportJobRecord;
  end: JobEndRecord | null;
  partitions: PartitionRecord[];
  results: PartitionResultRecord[];
  /** Files rewritten by erasures (see FileRevisionRecord). */
  revisions: FileRevisionRecord[];
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
  completedPartitions: string[];
  currentPartition: string;
  files: (ExportFileRecord & { url: string })[];
  manifestKey: string;
  manifestUrl: string;
  linksExpireAt: Date | null;
}

/** A slot whose job is not stored yet belongs to a create in progress for this long (then it was abandoned). */
export const CREATE_GRACE_MS = 60_000;
/** Open slots (oldest first) one recovery check looks at: an app's Bulk API job and every queued on-demand job. */
const RECOVERY_SLOTS = 200;

export const RETENTION_POLICY = 'RETENTION_POLICY';

export function objectKey(appId: string, jobId: string, name: string): string {
  return `apps/${appId}/exports/${jobId}/${name}`;
}

type PlannedJob = Pick<ExportJobRecord, 'dataTypes' | 'fromDay' | 'toDay' | 'receivedFrom' | 'coveo'>;

/** A job's partitions: one zip for a Coveo job, else by data type and month (see planPartitions). */
function planJob(job: PlannedJob): PlannedPartition[] {
  if (job.coveo) return planZipPartition(job.dataTypes, job.fromDay, job.toDay);
  return planPartitions(job.dataTypes, job.fromDay, job.toDay, !!job.receivedFrom);
}

/** A request checked by every export rule, and what a Coveo request adds (its tables' columns). */
export interface CheckedExportRequest {
  request: ExportRequest;
  coveo: CoveoExport | null;
  /** What the app's retention left of the days (a range wholly past it is refused). */
  retained: RetainedDays;
}

/** The planned partitions of a job as stored records; ids are deterministic, so planning twice is harmless. */
export function partitionRecords(job: ExportJobRecord): PartitionRecord[] {
  return planJob(job).map((p) => ({
    _id: `${job._id}:${p.key}`,
    appId: job.appId,
    jobId: job._id,
    jobCreatedAt: job.createdAt,
    index: p.index,
    key: p.key,
    dataType: p.dataType,
    fromDay: p.fromDay,
    toDay: p.toDay,
    status: 'pending',
    leaseUntil: new Date(0),
    attempts: 0,
    startedAt: null,
    lastError: null,
  }));
}

/** A completed job's files as they are now: each partition's latest revision (an erasure's rewrite) or its original. */
export function currentFiles(end: Pick<JobEndRecord, 'files'>, revisions: readonly FileRevisionRecord[]): ExportFileRecord[] {
  const latest = new Map<string, ExportFileRecord>();
  for (const revision of revisions) latest.set(revision.partition, revision.file); // revisions come oldest first
  return end.files.map((file) => latest.get(file.partition) ?? file);
}

@Injectable()
export class ExportJobsService {
  private readonly logger = new Logger(ExportJobsService.name);

  constructor(
    private readonly repo: ExportJobRepository,
    private readonly queue: PartitionQueueRepository,
    private readonly preconditions: ExportPreconditions,
    private readonly storage: ExportStorage,
    private readonly clock: Clock,
    @Inject(RETENTION_POLICY) private readonly retention: RetentionPolicy,
  ) {}

  /**
   * Every export rule, then the job: the plan, the request's own rules (checkExportRequest), the segment and
   * the row filter; a refused request stores nothing. A caller that gives the job's id (a scheduled run, which
   * may ask again after its process died) gets the job of that id if it exists already.
   */
  async create(appId: string, asked: ExportRequest, givenId?: string): Promise<ExportJobView> {
    const { request, coveo, retained } = await this.check(appId, asked);
    const api = request.api;

    const jobId = givenId ?? randomUUID();
    const existing = givenId ? await this.repo.findJob(appId, givenId) : null;
    if (existing) return this.viewOf(existing);
    const now = this.clock.now();
    // The Bulk API allows one job in progress per app (409); on-demand jobs queue, each with a slot of its own.
    const slotId = api === 'bulk' ? await this.reserveSlot(appId, jobId, now) : await this.openOwnSlot(appId, jobId, now);
    const job: ExportJobRecord = {
      _id: jobId,
      appId,
      api,
      dataTypes: request.dataTypes,
      format: request.format,
      compression: request.compression ?? 'gzip',
      fromDay: request.fromDay,
      toDay: request.toDay,
      eventTypes: request.eventTypes,
      userIds: request.userIds,
      companyIds: request.companyIds,
      segmentId: request.segmentId,
      history: request.history,
      exclusions: request.exclusions,
      emails: request.emails,
      filter: request.filter,
      scheduleId: request.scheduleId ?? '',
      receivedFrom: request.received?.from ?? null,
      receivedTo: request.received?.to ?? null,
      ...(coveo ? { coveo } : {}),
      retentionTruncated: retained.truncated,
      retainedFrom: retained.retainedFrom,
      requestId: currentRequestId(),
      partitionKeys: [],
      slotId,
      createdAt: now,
      visibleUntil: this.retention.visibleUntil(now),
      filesDeleted: false,
    };
    job.partitionKeys = planJob(job).map((p) => p.key);
    const partitions = partitionRecords(job);
    try {
      // The job first: a worker that claims a partition always finds its job.
      if (!(await this.repo.insertJob(job))) return this.get(appId, jobId, api);
      await this.queue.insertPartitions(partitions);
      this.logger.log({ msg: 'export created', appId, jobId, api, format: job.format, partitions: partitions.length });
    } catch (error) {
      await this.end(job, 'failed', `creating the job failed: ${(error as Error).message}`).catch(() => undefined);
      throw error;
    }
    return this.view({ job, end: null, partitions, results: [], revisions: [] });
  }

  /**
   * Every rule of a request, storing nothing (what a create checks, and the Coveo estimate): the plan, the
   * request's own rules (checkExportRequest), the segment, the row filters, and a Coveo request's dimensions
   * against the app's dimension catalogue.
   */
  async check(appId: string, asked: ExportRequest): Promise<CheckedExportRequest> {
    if (!appId) throw new InvalidExportRequest('app_id is required');
    await this.preconditions.assertPlanIncludesExports(appId);
    const request = checkExportRequest(asked);
    if (request.segmentId) await this.preconditions.assertSegmentExists(appId, request.segmentId);
    if (request.filter) await this.preconditions.assertFilterValid(appId, request.dataTypes, request.filter);
    const retained = retainedDays(request, await this.preconditions.retention(appId), this.clock.now());
    if (!request.coveo) return { request, coveo: null, retained };
    const { coveo: coveoAsked } = request;
    if (coveoAsked.eventsFilter) await this.preconditions.assertFilterValid(appId, ['events'], coveoAsked.eventsFilter);
    const catalogue = coveoAsked.dimensions.length > 0 ? await this.preconditions.dimensionTables(appId) : new Map();
    const tables = planCoveoTables(coveoAsked.tables, coveoAsked.dimensions, catalogue);
    if (!coveoAsked.timeFrom || !coveoAsked.timeTo) throw new InvalidExportRequest('from and to are required');
    const coveo: CoveoExport = {
      timeFrom: coveoAsked.timeFrom,
      timeTo: coveoAsked.timeTo,
      tables,
      dimensions: coveoAsked.dimensions,
      useDisplayNames: coveoAsked.useDisplayNames,
      csvFormat: coveoAsked.csvFormat,
      filename: coveoAsked.filename,
      description: coveoAsked.description,
      author: coveoAsked.author,
      eventsFilter: coveoAsked.eventsFilter,
    };
    return { request: { ...request, dataTypes: [...new Set(tables.map((t) => t.dataType))] }, coveo, retained };
  }

  /** The job, if `api` created it: each API sees only its own jobs, another API's is not found. */
  async get(appId: string, jobId: string, api: ExportApi): Promise<ExportJobView> {
    await this.preconditions.assertPlanIncludesExports(appId);
    return this.viewOf(await this.visibleJob(appId, jobId, api));
  }

  private async visibleJob(appId: string, jobId: string, api: ExportApi): Promise<ExportJobRecord> {
    const job = await this.repo.findJob(appId, jobId);
    if (!job || !this.retention.isVisible(job.createdAt, this.clock.now())) throw new ExportJobNotFound(appId, jobId);
    if (apiOf(job) !== api) throw new ExportJobNotFound(appId, jobId);
    if (await this.repo.isDeleted(appId, jobId)) throw new ExportJobNotFound(appId, jobId);
    return job;
  }

  async list(appId: string, api: ExportApi): Promise<ExportJobView[]> {
    await this.preconditions.assertPlanIncludesExports(appId);
    const listed = await this.repo.listJobs(appId, api, this.clock.now());
    // Each job's deletion is looked up beside its state, in one round of lookups per job, not two.
    const states = await lookUpEach(listed, async (job) => {
      const [deleted, state] = await Promise.all([this.repo.isDeleted(appId, job._id), this.loadState(appId, job)]);
      return deleted ? [] : [state];
    });
    return Promise.all(states.flat().map((state) => this.view(state)));
  }

  /**
   * Deletes a job on request: its end is claimed as cancelled first (a running partition stops at its next
   * heartbeat), then the deletion is recorded (from then on the job is not found) and its files are deleted.
   * A file a stopping worker still uploads afterwards is deleted by the retention sweeper.
   */
  async delete(appId: string, jobId: string, api: ExportApi): Promise<void> {
    await this.preconditions.assertPlanIncludesExports(appId);
    const job = await this.visibleJob(appId, jobId, api);
    await this.end(job, 'cancelled', 'deleted on request');
    await this.repo.insertDeletion(appId, jobId, this.clock.now());
    await this.storage.deletePrefix(objectKey(appId, jobId, ''));
  }

  /** The job of that id, whichever API created it and however old (for the scheduler's own jobs). */
  async find(appId: string, jobId: string): Promise<ExportJobView | null> {
    const job = await this.repo.findJob(appId, jobId);
    return job ? this.viewOf(job) : null;
  }

  async viewOf(job: ExportJobRecord): Promise<ExportJobView> {
    return this.view(await this.loadState(job.appId, job));
  }

  /**
   * The records a job's state is folded from, read per job (a listing reads a few jobs at once): its end by
   * `{_id, appId}`, its partitions and results by `{appId, jobId}`, equalities FerretDB pushes down to its
   * database where an index serves them. (An `$in` of the job ids is filtered in FerretDB, after reading every
   * end, partition and result the app ever had.)
   */
  private async loadState(appId: string, job: ExportJobRecord): Promise<ExportJobState> {
    const [end, partitions, results, revisions] = await Promise.all([
      this.repo.findEnd(appId, job._id),
      this.queue.listPartitions(appId, job._id),
      this.queue.listResults(appId, job._id),
      this.repo.listFileRevisions(appId, job._id),
    ]);
    return { job, end, partitions, results, revisions };
  }

  /** Unique-insert claim of the end: a cancel and a completion cannot both win. */
  async cancel(appId: string, jobId: string, api: ExportApi): Promise<ExportJobView> {
    await this.preconditions.assertPlanIncludesExports(appId);
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
    const results = await this.queue.listResults(appId, jobId);
    if (results.length < job.partitionKeys.length) return false;
    const files = results.map((r) => r.file);
    const manifestKey = await this.writeManifest(job, files);
    const won = await this.end(job, 'completed', null, { files, manifestKey });
    if (won) this.logger.log(`export ${jobId} of app ${appId} completed (${files.length} files)`);
    return won;
  }

  /** Writes the job's manifest (the same bytes for the same files); answers its key. */
  async writeManifest(job: ExportJobRecord, files: ExportFileRecord[]): Promise<string> {
    const manifestKey = objectKey(job.appId, job._id, 'manifest.json');
    const manifest = {
      job_id: job._id,
      app_id: job.appId,
      format: job.format,
      ...(job.coveo ? {} : { compression: job.compression ?? 'gzip' }),
      from: job.fromDay,
      to: job.toDay,
      data_types: job.dataTypes,
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
    return manifestKey;
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
      const partitions = await this.queue.listPartitions(job.appId, job._id);
      if (partitions.length < job.partitionKeys.length) {
        if (!young) await this.queue.insertPartitions(partitionRecords(job));
        continue;
      }
      const results = await this.queue.listResults(job.appId, job._id);
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

  fileFor(
    job: Pick<ExportJobRecord, '_id' | 'appId' | 'format' | 'compression' | 'coveo'>,
    partitionKey: string,
  ): { filename: string; key: string } {
    const filename = job.coveo
      ? zipFilename(job.coveo, job._id)
      : `${partitionKey}.${fileExtension(job.format, job.compression ?? 'gzip')}`;
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
    // Taken already only by an earlier create of the same job (a scheduled run asking again): the same slot.
    return (await this.repo.claimOwnSlot(appId, jobId, now)) ?? ownSlotId(appId, jobId);
  }

  private async slotHeld(slot: JobSlotRecord, now: Date): Promise<boolean> {
    const job = await this.repo.findJob(slot.appId, slot.jobId);
    if (!job) return now.getTime() - slot.createdAt.getTime() < CREATE_GRACE_MS;
    return !(await this.repo.findEnd(slot.appId, slot.jobId));
  }

  async view(state: ExportJobState): Promise<ExportJobView> {
    const { job, end, partitions, results, revisions } = state;
    const completedPartitions = results.map((r) => r.file.partition);
    const done = new Set(completedPartitions);
    const running = partitions.find((p) => p.status === 'running' && !done.has(p.key));
    const currentPartition = running?.key ?? completedPartitions[completedPartitions.length - 1] ?? '';
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
        files = await Promise.all(currentFiles(end, revisions).map(async (f) => ({ ...f, url: await sign(f.key) })));
        manifestUrl = end.manifestKey ? await sign(end.manifestKey) : '';
      } else {
        files = currentFiles(end, revisions).map((f) => ({ ...f, url: '' }));
      }
    }
    return {
      job,
      status,
      startedAt,
      finishedAt: end?.at ?? null,
      error: end?.error ?? null,
      partitions,
      completedPartitions,
      currentPartition,
      files,
      manifestKey: end?.status === 'completed' ? (end.manifestKey ?? '') : '',
      manifestUrl,
      linksExpireAt,
    };
  }
}
