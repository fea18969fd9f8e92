import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { notifications } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { Clock } from '@exportd/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { ExportJobRepository } from '../jobs/export-job.repository';
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

/**
 * The hand-off to notification: a job that reached completed or failed carries a pending flag; this loop
 * calls NotifyExportFinished until it succeeds, with exponential back-off (quietly: the notification
 * service may not be deployed yet, in which case it answers UNIMPLEMENTED and we keep trying slowly).
 */
@Injectable()
export class ExportNotifierLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExportNotifierLoop.name);
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
    // Claim first (pushes the next attempt far enough that another process does not send it meanwhile).
    const job = await this.repo.claimNotification(now, new Date(now.getTime() + this.env.EXPORT_NOTIFY_RETRY_MAX_MS));
    if (!job) return false;
    const view = await this.jobs.view(job, await this.repo.listPartitions(job.appId, job._id));
    try {
      await this.notifier.notify({
        appId: job.appId,
        jobId: job._id,
        eventType: job.status === 'completed' ? 'export.completed' : 'export.failed',
        emails: job.emails,
        files: view.files.map((f) => ({ filename: f.filename, url: f.url, bytes: f.bytes, rows: f.rows })),
        linksExpireAt: view.linksExpireAt ?? undefined,
        error: job.error ?? '',
        jobJson: JSON.stringify(publicJobJson(view)),
      });
      await this.repo.notificationSent(job.appId, job._id);
    } catch (error) {
      const delay = Math.min(
        this.env.EXPORT_NOTIFY_RETRY_BASE_MS * 2 ** Math.max(0, job.notifyAttempts - 1),
        this.env.EXPORT_NOTIFY_RETRY_MAX_MS,
      );
      await this.repo.notificationRetryAt(job.appId, job._id, new Date(this.clock.now().getTime() + delay));
      this.logger.debug(`notification of export ${job._id} not delivered (${(error as Error).message}); next in ${delay} ms`);
    }
    return true;
  }
}
