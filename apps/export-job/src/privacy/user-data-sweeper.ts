import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { exportFilesDaysOf, ExportPreconditions } from '../jobs/export-preconditions';
import { ExportStorage } from '../storage/export-storage';
import { PrivacyRequestRepository } from './privacy-request.repository';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Deletes user data exports older than their app's export file retention (`exportFilesDays`, from the
 * export's end), every EXPORT_SWEEP_INTERVAL_MS like the export files; the request then shows no link.
 */
@Injectable()
export class UserDataSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UserDataSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly repo: PrivacyRequestRepository,
    private readonly storage: ExportStorage,
    private readonly preconditions: ExportPreconditions,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
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

  /** Answers how many documents it deleted. */
  async sweep(): Promise<number> {
    const now = this.clock.now().getTime();
    const keepDaysOf = exportFilesDaysOf(this.preconditions, (appId, error) =>
      this.logger.warn(`retention of app ${appId} unknown, its user data exports are kept: ${error.message}`),
    );
    let swept = 0;
    for (const end of await this.repo.endsWithFiles()) {
      const keepDays = await keepDaysOf(end.appId);
      if (!end.fileKey || keepDays === null || now < end.at.getTime() + keepDays * DAY_MS) continue;
      await this.storage.deletePrefix(end.fileKey);
      await this.repo.markFileDeleted(end.appId, end._id);
      swept++;
    }
    return swept;
  }
}
