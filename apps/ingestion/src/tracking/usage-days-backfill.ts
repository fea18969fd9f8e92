import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { AppsService } from '../apps/apps.service';
import { TrackingRepository, UsageDaysChange } from './tracking.repository';
import { TrackingService } from './tracking.service';

/** How often apps created since the last run are looked at (a new app's usage days are complete at once). */
const INTERVAL_MS = 10 * 60_000;
/** Companies filled in per exclusive step of their app (one write; its tracking calls wait meanwhile). */
const COMPANIES_PER_STEP = 50;

/**
 * Fills in each company's usage days (company_usage_days) from its usage_daily counters, for every app not yet
 * marked complete, then marks the app: counters incremented before the projector kept usage days get theirs,
 * and from then on the company data export reads one document per company instead of every counter. Runs at
 * start-up and every INTERVAL_MS.
 *
 * Each batch of companies is written in an exclusive step of its app (TrackingService.exclusive): no projector
 * round of the app runs meanwhile, so these updates never race the projector's on one document (FerretDB loses
 * concurrent updates). Rounds between the steps add their own days as usual; both sides add with `$addToSet`, so
 * a counter read here that a round also added counts once.
 */
@Injectable()
export class UsageDaysBackfill implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('usage-days-backfill');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly apps: AppsService,
    private readonly repository: TrackingRepository,
    private readonly tracking: TrackingService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setTimeout(() => this.tick(), 0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Fills in every app not yet complete; a run already going is joined rather than started again. */
  run(): Promise<void> {
    this.running ??= this.fillApps().finally(() => (this.running = undefined));
    return this.running;
  }

  private tick(): void {
    void this.run().finally(() => {
      if (!this.stopping) this.timer = setTimeout(() => this.tick(), INTERVAL_MS);
    });
  }

  private async fillApps(): Promise<void> {
    try {
      for (const appId of await this.apps.appIds()) {
        if (this.stopping) return;
        if (await this.repository.isUsageDaysComplete(appId)) continue;
        await this.fill(appId);
      }
    } catch (error) {
      this.logger.error(`filling in usage days failed; retrying in ${INTERVAL_MS / 60_000} min: ${(error as Error).message}`);
    }
  }

  private async fill(appId: string): Promise<void> {
    const companyIds = await this.repository.companyIds(appId);
    for (let start = 0; start < companyIds.length; start += COMPANIES_PER_STEP) {
      if (this.stopping) return;
      // Read outside the step: a counter incremented after the read gets its day from the round that does it.
      const changes: UsageDaysChange[] = [];
      for (const companyId of companyIds.slice(start, start + COMPANIES_PER_STEP)) {
        const days = await this.repository.usageDaysOfCounters(appId, companyId);
        if (days.length > 0) changes.push({ companyId, days });
      }
      await this.tracking.exclusive(appId, () => this.repository.addUsageDays(appId, changes));
    }
    await this.repository.markUsageDaysComplete(appId, this.clock.now());
    if (companyIds.length > 0) this.logger.log(`usage days of ${companyIds.length} companies of ${appId} filled in`);
  }
}
