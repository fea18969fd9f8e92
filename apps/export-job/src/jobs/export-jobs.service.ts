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
  PartitionRecord,
  TERMINAL_STATUSES,
} from './export-job.repository';
import { ExportDataset, planPartitions } from './partition-planner';
import { RetentionPolicy } from './retention';

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

/** A job as the API shows it: the record, its partitions and (when completed and not expired) signed links. */
export interface ExportJobView {
  job: ExportJobRecord;
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

export const RETENTION_POLICY = 'RETENTION_POLICY';

export function objectKey(appId: string, jobId: string, name: string): string {
  return `apps/${appId}/exports/${jobId}/${name}`;
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

    const now = this.clock.now();
    const jobId = randomUUID();
    await this.lock(appId, jobId, now);
    const planned = planPartitions([...new Set(datasets)], input.fromDay, input.toDay);
    const job: ExportJobRecord = {
      _id: jobId,
      appId,
      api: input.api || 'bulk',
      status: 'pending',
      datasets,
      format,
      fromDay: input.fromDay,
      toDay: input.toDay,
      eventTypes: input.eventTypes,
      userIds: input.userIds,
      companyIds: input.companyIds,
      segmentId: input.segmentId,
      history: input.history,
      exclusions: input.exclusions,
      emails: input.emails,
      filters: input.filters,
      partitionKeys: planned.map((p) => p.key),
      files: [],
      manifestKey: null,
      error: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      visibleUntil: this.retention.visibleUntil(now),
      filesDeleteAt: this.retention.filesDeleteAt(now),
      filesDeleted: false,
      notifyPending: false,
      notifyAttempts: 0,
      notifyNextAt: null,
    };
    const partitions: PartitionRecord[] = planned.map((p) => ({
      _id: `${jobId}:${p.key}`,
      appId,
      jobId,
      jobCreatedAt: now,
      index: p.index,
      key: p.key,
      dataset: p.dataset,
      fromDay: p.fromDay,
      toDay: p.toDay,
      status: 'pending',
      leaseOwner: null,
      leaseUntil: new Date(0),
      attempts: 0,
      lastError: null,
      file: null,
    }));
    try {
      await this.repo.insertJob(job, partitions);
    } catch (error) {
      await this.repo.unlock(appId, jobId);
      throw error;
    }
    return this.view(job, partitions);
  }

  async get(appId: string, jobId: string): Promise<ExportJobView> {
    const job = await this.repo.findJob(appId, jobId);
    if (!job || !this.retention.isVisible(job.createdAt, this.clock.now())) throw new ExportJobNotFound(appId, jobId);
    return this.view(job, await this.repo.listPartitions(appId, jobId));
  }

  async list(appId: string, api: string): Promise<ExportJobView[]> {
    const jobs = await this.repo.listJobs(appId, api, this.clock.now());
    return Promise.all(jobs.map(async (job) => this.view(job, await this.repo.listPartitions(appId, job._id))));
  }

  async cancel(appId: string, jobId: string): Promise<ExportJobView> {
    const existing = await this.repo.findJob(appId, jobId);
    if (!existing || !this.retention.isVisible(existing.createdAt, this.clock.now())) throw new ExportJobNotFound(appId, jobId);
    if (existing.status === 'cancelled') return this.get(appId, jobId);
    const now = this.clock.now();
    const cancelled = await this.repo.transition(appId, jobId, ['pending', 'in_progress'], 'cancelled', {
      finishedAt: now,
      cancelRequestedAt: now,
      error: 'cancelled on request',
    });
    if (!cancelled) throw new ExportJobNotCancellable(jobId, existing.status);
    await this.repo.stopPartitions(appId, jobId);
    await this.repo.unlock(appId, jobId);
    // A worker starting the job at the same moment may have overwritten the status; markStarted re-checks too.
    await this.repo.reassertCancelled(appId, jobId);
    return this.get(appId, jobId);
  }

  /** A worker started a partition: the job is in progress from its first claim. */
  async markStarted(appId: string, jobId: string): Promise<void> {
    await this.repo.transition(appId, jobId, ['pending'], 'in_progress', { startedAt: this.clock.now() });
    await this.repo.reassertCancelled(appId, jobId);
  }

  /** After each finished partition: when all are done, writes the manifest and completes the job. */
  async partitionDone(appId: string, jobId: string): Promise<void> {
    const job = await this.repo.findJob(appId, jobId);
    if (!job || job.cancelRequestedAt || TERMINAL_STATUSES.includes(job.status)) return;
    const partitions = await this.repo.listPartitions(appId, jobId);
    if (!partitions.every((p) => p.status === 'done' && p.file)) return;
    const files = partitions.map((p) => p.file as ExportFileRecord);
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
    await this.repo.setFiles(appId, jobId, files, manifestKey);
    const now = this.clock.now();
    const done = await this.repo.transition(appId, jobId, ['pending', 'in_progress'], 'completed', {
      finishedAt: now,
      notifyPending: true,
      notifyNextAt: now,
    });
    if (done) this.logger.log(`export ${jobId} of app ${appId} completed (${files.length} files)`);
    await this.repo.unlock(appId, jobId);
  }

  /** A partition ran out of attempts: the job fails with what failed, and its other partitions stop. */
  async partitionFailed(appId: string, jobId: string, message: string): Promise<void> {
    const now = this.clock.now();
    const failed = await this.repo.transition(appId, jobId, ['pending', 'in_progress'], 'failed', {
      finishedAt: now,
      error: message,
      notifyPending: true,
      notifyNextAt: now,
    });
    await this.repo.stopPartitions(appId, jobId);
    await this.repo.unlock(appId, jobId);
    if (failed) this.logger.warn(`export ${jobId} of app ${appId} failed: ${message}`);
  }

  /**
   * Ends jobs whose partitions have all ended but whose end was not recorded (the process died between the
   * last partition and the job's end, or the manifest upload failed): so no job stays in progress.
   */
  async recover(maxAttempts: number): Promise<void> {
    for (const job of await this.repo.activeJobs(50)) {
      const partitions = await this.repo.listPartitions(job.appId, job._id);
      if (partitions.length > 0 && partitions.every((p) => p.status === 'done')) {
        try {
          await this.partitionDone(job.appId, job._id);
        } catch (error) {
          const attempts = await this.repo.countFinalizeAttempt(job.appId, job._id);
          const message = `writing the manifest failed: S3 upload failed: ${(error as Error).message}`;
          this.logger.warn(`export ${job._id}: ${message} (attempt ${attempts})`);
          if (attempts >= maxAttempts)
            await this.partitionFailed(job.appId, job._id, `${message} (gave up after ${attempts} attempts)`);
        }
        continue;
      }
      const failed = partitions.find((p) => p.status === 'failed');
      if (failed) await this.partitionFailed(job.appId, job._id, failed.lastError ?? `partition ${failed.key} failed`);
    }
  }

  async isActive(appId: string, jobId: string): Promise<boolean> {
    const job = await this.repo.findJob(appId, jobId);
    return !!job && !job.cancelRequestedAt && !TERMINAL_STATUSES.includes(job.status);
  }

  fileFor(job: Pick<ExportJobRecord, '_id' | 'appId' | 'format'>, partitionKey: string): { filename: string; key: string } {
    const filename = `${partitionKey}.${FILE_EXTENSION[job.format]}`;
    return { filename, key: objectKey(job.appId, job._id, filename) };
  }

  private async lock(appId: string, jobId: string, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.repo.tryLock(appId, jobId, now);
      if (result.ok) return;
      // A lock left by a job that has ended (a crash between its end and the unlock) is released here.
      const holder = await this.repo.findJob(appId, result.holder);
      if (holder && !TERMINAL_STATUSES.includes(holder.status)) throw new ExportAlreadyRunning(holder._id);
      await this.repo.unlock(appId, result.holder);
    }
    throw new ExportAlreadyRunning('');
  }

  async view(job: ExportJobRecord, partitions: PartitionRecord[]): Promise<ExportJobView> {
    const completedChunks = partitions.filter((p) => p.status === 'done').map((p) => p.key);
    const running = partitions.find((p) => p.status === 'running');
    const currentChunk = running?.key ?? completedChunks[completedChunks.length - 1] ?? '';
    let files: ExportJobView['files'] = [];
    let manifestUrl = '';
    let linksExpireAt: Date | null = null;
    if (job.status === 'completed' && job.finishedAt && !job.filesDeleted) {
      linksExpireAt = this.retention.linksExpireAt(job.finishedAt);
      if (this.retention.linksValid(job.finishedAt, this.clock.now())) {
        // Signed at the job's end: the same link on every read, valid until linksExpireAt.
        const sign = (key: string) => this.storage.presign(key, job.finishedAt as Date, this.retention.linkTtlSeconds);
        files = await Promise.all(job.files.map(async (f) => ({ ...f, url: await sign(f.key) })));
        manifestUrl = job.manifestKey ? await sign(job.manifestKey) : '';
      } else {
        files = job.files.map((f) => ({ ...f, url: '' }));
      }
    }
    return { job, partitions, completedChunks, currentChunk, files, manifestUrl, linksExpireAt };
  }
}

function validDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}
