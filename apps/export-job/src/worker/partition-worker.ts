import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { secondsSince, withRequestId } from '@exportd/observability';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { writeCsvZip } from '../formats/csv-zip-writer';
import { contentType } from '../formats/file-encoding';
import { RowBatchLike, writeExportFile, WrittenFile } from '../formats/export-file-writer';
import { coveoRowRequest } from '../jobs/coveo-export';
import { ExportJobRecord, ExportJobRepository } from '../jobs/export-job.repository';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { exportBytes, exportRows, partitionAttempts, partitionDuration } from '../metrics';
import { PartitionClaim, PartitionQueueRepository, PartitionRecord } from '../queue/partition-queue.repository';
import { ExportStorage } from '../storage/export-storage';
import { RowSource } from './row-source';

/**
 * Workers inside each export-job process: each claims the next attempt of a partition by unique insert (with
 * a lease), keeps the lease alive with a heartbeat, streams the partition's rows to its file and appends the
 * partition's result. A process that dies stops heartbeating; once the lease runs out another worker claims
 * the next attempt and redoes the partition from scratch, overwriting the same object key with the same bytes
 * (rows come in a stable order; gzip, zstd and the Parquet writer are deterministic).
 */
@Injectable()
export class PartitionWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionWorker.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private running = false;
  private readonly stop = new AbortController();
  private loops: Promise<void>[] = [];
  private lastRecovery = -Infinity;

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly repo: ExportJobRepository,
    private readonly queue: PartitionQueueRepository,
    private readonly jobs: ExportJobsService,
    private readonly storage: ExportStorage,
    private readonly rows: RowSource,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    for (let i = 0; i < this.env.EXPORT_WORKER_CONCURRENCY; i++) this.loops.push(this.loop());
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.stop.abort();
    await Promise.allSettled(this.loops);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let claimed: PartitionClaim | null = null;
      try {
        claimed = await this.queue.claimPartition(this.owner, this.clock.now(), this.env.EXPORT_LEASE_MS);
        if (claimed) await this.run(claimed);
      } catch (error) {
        if (this.running) this.logger.error(`worker loop: ${(error as Error).message}`);
      }
      if (!claimed && this.running) await this.recoverNowAndThen();
      if (!claimed && this.running)
        await sleep(this.env.EXPORT_POLL_INTERVAL_MS, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }

  /** When idle, every few seconds: ends jobs whose partitions all ended but whose end was not recorded. */
  private async recoverNowAndThen(): Promise<void> {
    const now = performance.now();
    if (now - this.lastRecovery < 2_000) return;
    this.lastRecovery = now;
    try {
      await this.jobs.recover(this.env.EXPORT_MAX_ATTEMPTS);
    } catch (error) {
      this.logger.warn(`recovery: ${(error as Error).message}`);
    }
  }

  /**
   * Exports one claimed partition attempt; any failure goes back to the queue with back-off, or fails the job.
   * This worker is the single writer of its attempt (and of the partition's hint) until a later attempt
   * supersedes it; the result is appended once per partition, and the job's end is a unique-insert claim.
   */
  async run(claim: PartitionClaim): Promise<void> {
    const { appId, jobId } = claim.partition;
    const job = await this.repo.findJob(appId, jobId);
    // Log lines and row-stream calls of the partition carry the id of the request that created the job.
    return withRequestId(job?.requestId || jobId, () => this.runFor(claim, job));
  }

  private async runFor(claim: PartitionClaim, job: ExportJobRecord | null): Promise<void> {
    const { partition, attempt } = claim;
    const { appId, jobId } = partition;
    if (!job || !(await this.jobs.isActive(appId, jobId))) {
      // The job ended (cancelled, or failed elsewhere): this partition stops with it.
      const done = await this.queue.hasResult(appId, partition._id);
      await this.queue.settleAttempt(claim, done ? 'done' : 'cancelled', this.clock.now());
      return;
    }
    if (await this.queue.hasResult(appId, partition._id)) {
      // An earlier attempt finished but its holder died before settling: nothing to redo.
      await this.queue.settleAttempt(claim, 'done', this.clock.now());
      await this.jobs.finishIfComplete(appId, jobId);
      return;
    }
    const abort = new AbortController();
    const onStop = () => abort.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    let lost: 'superseded' | 'job_ended' | null = null;
    // Watchdog: a partition that reads no rows for EXPORT_STALL_TIMEOUT_MS (an S3 request or a row stream
    // that never settles) is aborted and retried, so the heartbeat cannot keep a stuck partition leased.
    let lastProgress = performance.now();
    let stalled = false;
    // The attempt's documents have one writer at a time: a heartbeat never overlaps the next one, and the
    // outcome is written only after the last heartbeat has settled (`stopBeating`).
    let beating: Promise<void> = Promise.resolve();
    const beat = async () => {
      const until = new Date(this.clock.now().getTime() + this.env.EXPORT_LEASE_MS);
      if (!(await this.queue.heartbeat(claim, until))) lost = 'superseded';
      else if (!(await this.jobs.isActive(appId, jobId))) lost = 'job_ended';
      if (lost) abort.abort();
    };
    const heartbeat = setInterval(
      () => {
        if (performance.now() - lastProgress > this.env.EXPORT_STALL_TIMEOUT_MS) {
          stalled = true;
          abort.abort();
          return;
        }
        beating = beating.then(beat).catch((error: unknown) => this.logger.warn(`heartbeat: ${(error as Error).message}`));
      },
      Math.max(100, Math.floor(this.env.EXPORT_LEASE_MS / 3)),
    );
    const stopBeating = async () => {
      clearInterval(heartbeat);
      await beating;
    };

    const { filename, key } = this.jobs.fileFor(job, partition.key);
    const startedAt = process.hrtime.bigint();
    const format = job.coveo ? 'coveo_zip' : job.format;
    try {
      const onBatch = () => (lastProgress = performance.now());
      const written = job.coveo
        ? await this.writeZip(job, key, onBatch, abort.signal)
        : await this.writeFile(job, partition, key, onBatch, abort.signal);
      await stopBeating();
      exportRows.inc({ format }, written.rows);
      exportBytes.inc({ format }, written.bytes);
      partitionDuration.observe({ format }, secondsSince(startedAt));
      partitionAttempts.inc({ format, outcome: 'done' });
      const file = { partition: partition.key, filename, key, ...written };
      // Append-only: the first result of a partition counts; a second finisher (after a lease ran out) wrote
      // the same object with the same bytes and is told 11000.
      await this.queue.insertResult({
        _id: partition._id,
        appId,
        jobId,
        index: partition.index,
        attempt,
        file,
        at: this.clock.now(),
      });
      if (lost !== 'superseded') await this.queue.settleAttempt(claim, 'done', this.clock.now());
      // A failure here (manifest upload) is retried by the recovery check.
      await this.jobs
        .finishIfComplete(appId, jobId)
        .catch((error: unknown) => this.logger.warn(`ending export ${jobId}: ${(error as Error).message}`));
    } catch (error) {
      await stopBeating();
      if (lost === 'job_ended') await this.queue.settleAttempt(claim, 'cancelled', this.clock.now());
      if (lost || !this.running) return; // a later attempt holds it now, or the job ended, or we are stopping
      const cause = stalled ? `no progress for ${this.env.EXPORT_STALL_TIMEOUT_MS} ms` : (error as Error).message;
      const message = `partition ${partition.key}: ${cause}`;
      if (attempt >= this.env.EXPORT_MAX_ATTEMPTS) {
        partitionAttempts.inc({ format, outcome: 'failed' });
        const text = `${message} (gave up after ${attempt} attempts)`;
        await this.queue.settleAttempt(claim, 'failed', this.clock.now(), { error: text });
        await this.jobs.failJob(appId, jobId, text);
      } else {
        partitionAttempts.inc({ format, outcome: 'retry' });
        const backoff = Math.min(this.env.EXPORT_RETRY_BASE_MS * 2 ** (attempt - 1), this.env.EXPORT_RETRY_MAX_MS);
        this.logger.warn(`${message}; retrying in ${backoff} ms (attempt ${attempt} of ${this.env.EXPORT_MAX_ATTEMPTS})`);
        const now = this.clock.now();
        await this.queue.settleAttempt(claim, 'retry', now, { error: message, retryAt: new Date(now.getTime() + backoff) });
      }
    } finally {
      clearInterval(heartbeat);
      // Releases whatever may still hang on this attempt (a row stream left open after a failed upload).
      abort.abort();
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  private writeFile(
    job: ExportJobRecord,
    partition: PartitionRecord,
    key: string,
    onBatch: () => void,
    signal: AbortSignal,
  ): Promise<WrittenFile> {
    const batches = this.rows.stream(
      {
        appId: job.appId,
        dataType: partition.dataType,
        fromDay: partition.fromDay,
        toDay: partition.toDay,
        eventTypes: job.eventTypes,
        userIds: job.userIds,
        companyIds: job.companyIds,
        segmentId: job.segmentId,
        history: job.history,
        exclusions: job.exclusions,
        filter: job.filter,
        received: job.receivedFrom && job.receivedTo ? { from: job.receivedFrom, to: job.receivedTo } : undefined,
      },
      signal,
    );
    const compression = job.compression ?? 'gzip';
    return writeExportFile(
      progress(batches, onBatch),
      { format: job.format, compression, gzipLevel: this.env.EXPORT_GZIP_LEVEL, dataType: partition.dataType },
      (body) => this.storage.upload(key, body, contentType(job.format, compression), signal),
      signal,
    );
  }

  /** A Coveo job's one partition: every table's rows, one CSV each, into one zip. */
  private writeZip(job: ExportJobRecord, key: string, onBatch: () => void, signal: AbortSignal): Promise<WrittenFile> {
    const coveo = job.coveo;
    if (!coveo) throw new Error(`job ${job._id} is not a Coveo-compatible job`);
    const entries = coveo.tables.map((table) => ({
      name: `${table.name}.csv`,
      batches: (): AsyncIterable<RowBatchLike> =>
        progress(this.rows.stream(coveoRowRequest(job.appId, job, coveo, table), signal), onBatch),
    }));
    return writeCsvZip(
      entries,
      {
        dialect: coveo.csvFormat === 'no_newline' ? 'no_newline' : 'rfc4180',
        mtime: job.createdAt,
        compressionLevel: this.env.EXPORT_GZIP_LEVEL,
      },
      (body) => this.storage.upload(key, body, 'application/zip', signal),
      signal,
    );
  }
}

/** Passes batches through, reporting each one (the worker's watchdog measures progress by them). */
async function* progress<T>(batches: AsyncIterable<T>, onBatch: () => void): AsyncIterable<T> {
  for await (const batch of batches) {
    onBatch();
    yield batch;
  }
}
