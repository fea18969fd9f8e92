import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { notifications } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { withRequestId } from '@exportd/observability';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { ExportJobRepository, JobEndRecord } from '../jobs/export-job.repository';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { publicJobJson } from '../jobs/export-job.mapper';

/** Sends the export-finished event; the notification service makes it idempotent per (app, job, event). */
export abstract class FinishedNotifier {
  abstract notify(request: notifications.NotifyExportFinishedRequest): Promise<void>;
}

@Injectable()
export class GrpcFinishedNotifier extends FinishedNotifier implements OnApplicationShutdown {
  private readonly client: GrpcClient<typeof notifications.NotificationsServiceService>;
  constructor(@Inject(EXPORT_JOB_ENV) env: ExportJobEnv) {
    super();
    this.client = createGrpcClient(notifications.NotificationsServiceService, {
      address: env.NOTIFICATION_GRPC_ADDR,
      internalToken: env.INTERNAL_TOKEN,
      timeoutMs: 10_000,
    });
  }
  async notify(request: notifications.NotifyExportFinishedRequest): Promise<void> {
    await this.client.notifyExportFinished(request);
  }
  onApplicationShutdown(): void {
    this.client.close();
  }
}

/** A claimed notification attempt whose holder recorded nothing for this long died: the next one supersedes it. */
export const NOTIFY_ATTEMPT_TIMEOUT_MS = 60_000;

/**
 * The hand-off to notification: a job's end record (completed or failed) carries a pending flag; this loop
 * calls NotifyExportFinished until it succeeds, with exponential back-off (quietly: the notification
 * service may not be deployed yet, in which case it answers UNIMPLEMENTED and we keep trying slowly).
 * Every process runs it: each attempt is claimed by unique insert of (job, attempt number) before the call,
 * so one process sends each attempt, and only that attempt's holder writes the end record's notify state.
 */
@Injectable()
export class ExportNotifierLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExportNotifierLoop.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly stop = new AbortController();
  private loop?: Promise<void>;

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly repo: ExportJobRepository,
    private readonly jobs: ExportJobsService,
    private readonly notifier: FinishedNotifier,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      let worked = false;
      try {
        worked = await this.once();
      } catch (error) {
        this.logger.warn(`notifier: ${(error as Error).message}`);
      }
      if (!worked) await sleep(1_000, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }

  /** Sends one due notification; answers whether there was one. */
  async once(): Promise<boolean> {
    const now = this.clock.now();
    for (const end of await this.repo.dueNotifications(now, 10)) {
      const attempt = await this.claim(end, now);
      if (attempt === 0) continue;
      await this.send(end, attempt);
      return true;
    }
    return false;
  }

  /** Claims the job's next notification attempt; answers its number, or 0 when another process is on it. */
  private async claim(end: JobEndRecord, now: Date): Promise<number> {
    for (let attempt = end.notifyAttempts + 1; ; attempt++) {
      if (await this.repo.claimNotifyAttempt(end.appId, end._id, attempt, this.owner, now)) return attempt;
      const taken = await this.repo.findNotifyAttempt(end.appId, end._id, attempt);
      if (!taken || now.getTime() - taken.at.getTime() < NOTIFY_ATTEMPT_TIMEOUT_MS) return 0;
      // That attempt's holder died before recording its outcome: try the next number.
    }
  }

  private async send(end: JobEndRecord, attempt: number): Promise<void> {
    const job = await this.repo.findJob(end.appId, end._id);
    if (!job) {
      await this.repo.setNotifyState(end.appId, end._id, { notifyPending: false, notifyNextAt: null, notifyAttempts: attempt });
      return;
    }
    const view = await this.jobs.viewOf(job);
    try {
      // Under the id of the request that created the job, so its deliveries are found with its other lines.
      await withRequestId(job.requestId || job._id, () =>
        this.notifier.notify({
          appId: job.appId,
          jobId: job._id,
          eventType: end.status === 'completed' ? 'export.completed' : 'export.failed',
          emails: job.emails,
          files: view.files.map((f) => ({ filename: f.filename, url: f.url, bytes: f.bytes, rows: f.rows })),
          linksExpireAt: view.linksExpireAt ?? undefined,
          error: end.error ?? '',
          jobJson: JSON.stringify(publicJobJson(view)),
          // A scheduled run's job also reaches its schedule's own webhook endpoint.
          scheduleId: job.scheduleId ?? '',
        }),
      );
      await this.repo.setNotifyState(end.appId, end._id, { notifyPending: false, notifyNextAt: null, notifyAttempts: attempt });
    } catch (error) {
      const delay = Math.min(this.env.EXPORT_NOTIFY_RETRY_BASE_MS * 2 ** (attempt - 1), this.env.EXPORT_NOTIFY_RETRY_MAX_MS);
      const nextAt = new Date(this.clock.now().getTime() + delay);
      await this.repo.setNotifyState(end.appId, end._id, { notifyPending: true, notifyNextAt: nextAt, notifyAttempts: attempt });
      this.logger.debug(`notification of export ${job._id} not delivered (${(error as Error).message}); next in ${delay} ms`);
    }
  }
}
