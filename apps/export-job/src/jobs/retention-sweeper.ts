import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { ExportStorage } from '../storage/export-storage';
import { ExportJobRepository } from './export-job.repository';

/** Deletes the files of jobs past their file retention (7 days by default), as read from the clock. */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly repo: ExportJobRepository,
    private readonly storage: ExportStorage,
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
    const due = await this.repo.dueForDeletion(this.clock.now(), 50);
    for (const job of due) {
      await this.storage.deletePrefix(`apps/${job.appId}/exports/${job._id}/`);
      await this.repo.markFilesDeleted(job.appId, job._id);
    }
    return due.length;
  }
}
