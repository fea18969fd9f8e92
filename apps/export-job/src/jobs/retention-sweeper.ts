import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { ExportStorage } from '../storage/export-storage';
import { ExportJobRepository } from './export-job.repository';
import { exportFilesDaysOf, ExportPreconditions } from './export-preconditions';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Deletes the files of ended jobs older than their app's export file retention (`exportFilesDays`, 7 by
 * default; ingestion owns the policy), as read from the clock. The policy is read at each sweep, so a
 * changed retention takes effect at the next one.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly repo: ExportJobRepository,
    private readonly storage: ExportStorage,
    private readonly preconditions: ExportPreconditions,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) => {
          this.logger.warn(`sweep: ${(error as Error).message}`);
          return 0;
        })
        .finally(() => (this.sweeping = undefined));
    }, this.env.EXPORT_SWEEP_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /**
   * Deletes due files; answers how many jobs were swept. Every process sweeps: two sweepers of one job both
   * delete the same prefix and both write `filesDeleted: true`, the job document's only write after its
   * creation, so they cannot undo each other or anything else.
   */
  async sweep(): Promise<number> {
    const now = this.clock.now().getTime();
    const filesDaysOf = exportFilesDaysOf(this.preconditions, (appId, error) =>
      this.logger.warn(`retention of app ${appId} unknown, its files are kept: ${error.message}`),
    );
    let swept = 0;
    for (const job of await this.repo.jobsWithFiles()) {
      const keepDays = await filesDaysOf(job.appId);
      if (keepDays === null || now < job.createdAt.getTime() + keepDays * DAY_MS) continue;
      if (!(await this.repo.hasEnded(job.appId, job._id))) continue;
      await this.storage.deletePrefix(`apps/${job.appId}/exports/${job._id}/`);
      await this.repo.markFilesDeleted(job.appId, job._id);
      swept++;
    }
    return swept;
  }
}
