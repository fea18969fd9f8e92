import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { utcDay } from '@exportd/records';
import { Clock } from '@exportd/runtime';
import { AppsService } from '../apps/apps.service';
import { TrackingRepository } from '../tracking/tracking.repository';
import { TrackingService } from '../tracking/tracking.service';
import { WritePriority } from '../tracking/write-priority';
import { RetentionSweepRepository, SweptCollection } from './retention-sweep.repository';
import { RetentionService } from './retention.service';

export const RETENTION_SWEEP_CONFIG = Symbol('RETENTION_SWEEP_CONFIG');

export interface RetentionSweepConfig {
  intervalMs: number;
}

/** Documents deleted per batch; the raw inserts get a turn between batches. */
const BATCH = 1_000;
/** Usage days documents pruned per exclusive step of their app. */
const PRUNE_BATCH = 500;
/** Longest wait for that turn, so that sustained ingestion slows the sweep down without stopping it. */
const MAX_TURN_WAIT_MS = 1_000;
const DAY_MS = 86_400_000;

/** What one sweep deleted, per collection. */
export interface SweepResult {
  calls: number;
  usageDaily: number;
  companyAttributesDaily: number;
}

/**
 * Deletes, every interval and for every app, what its retention policy no longer keeps (days are UTC days of
 * the injected clock; a policy of N days keeps the days from today minus N days on):
 * - raw calls whose event day is older than rawEventsDays;
 * - usage counters older than aggregatesDays, and their entries in the companies' usage days (once per cutoff
 *   day, written in exclusive steps of the app: the projector adds to those documents, and FerretDB loses
 *   concurrent updates);
 * - company attribute days older than aggregatesDays, except each company's latest one before the cutoff:
 *   aggregation reads a company's attributes on a day as its latest record at or before that day, so that
 *   record still holds the attributes of the kept days until a newer one exists.
 * Profiles are kept. One sweep at a time per process; an app's failure is logged and retried next interval.
 *
 * Racing the projector is harmless: it may upsert an old counter or attribute day (a call with an old
 * timestamp) while the sweep deletes it, and FerretDB may then lose either write, but only days outside the
 * retention are deleted, so whichever survives is data nobody reads and the next sweep deletes it. A
 * company's kept record is never deleted by the sweep that keeps it; only records older than it are.
 * Raw calls are deleted by the ids just read, so a call stored meanwhile waits for the next sweep.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('retention-sweeper');
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepResult>;
  private stopping = false;
  /** Per app, the cutoff its usage days were last pruned at by this process. */
  private readonly usageDaysPrunedAt = new Map<string, string>();

  constructor(
    @Inject(RETENTION_SWEEP_CONFIG) private readonly config: RetentionSweepConfig,
    private readonly repository: RetentionSweepRepository,
    private readonly tracking: TrackingService,
    private readonly trackingRepository: TrackingRepository,
    private readonly retention: RetentionService,
    private readonly apps: AppsService,
    private readonly priority: WritePriority,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sweeps every app once; a sweep already running is joined rather than started again. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepApps().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => void this.sweep().finally(() => this.schedule()), this.config.intervalMs);
  }

  private async sweepApps(): Promise<SweepResult> {
    const total: SweepResult = { calls: 0, usageDaily: 0, companyAttributesDaily: 0 };
    let appIds: string[];
    try {
      appIds = await this.apps.appIds();
    } catch (error) {
      this.logger.error(`listing the apps failed; sweeping next interval: ${(error as Error).message}`);
      return total;
    }
    for (const appId of appIds) {
      if (this.stopping) break;
      try {
        const swept = await this.sweepApp(appId);
        total.calls += swept.calls;
        total.usageDaily += swept.usageDaily;
        total.companyAttributesDaily += swept.companyAttributesDaily;
      } catch (error) {
        this.logger.error(`sweeping app ${appId} failed; retrying next interval: ${(error as Error).message}`);
      }
    }
    return total;
  }

  private async sweepApp(appId: string): Promise<SweepResult> {
    const { policy } = await this.retention.retentionOf(appId);
    const today = utcDay(this.clock.now());
    const rawCutoff = daysBefore(today, policy.rawEventsDays);
    const aggregatesCutoff = daysBefore(today, policy.aggregatesDays);
    const swept = {
      calls: await this.deleteDaysBefore('calls', appId, rawCutoff),
      usageDaily: await this.deleteDaysBefore('usageDaily', appId, aggregatesCutoff),
      companyAttributesDaily: await this.deleteCompanyDaysBefore(appId, aggregatesCutoff),
    };
    if (!this.stopping && this.usageDaysPrunedAt.get(appId) !== aggregatesCutoff) {
      await this.pruneUsageDays(appId, aggregatesCutoff);
      this.usageDaysPrunedAt.set(appId, aggregatesCutoff);
    }
    // Exports ask whether a range is gone (a 400) or only reaches past the retention (truncated).
    if (!this.stopping) await this.repository.recordSwept(appId, rawCutoff, aggregatesCutoff, this.clock.now());
    return swept;
  }

  private async deleteDaysBefore(collection: SweptCollection, appId: string, cutoff: string): Promise<number> {
    let deleted = 0;
    for (const day of await this.repository.daysBefore(collection, appId, cutoff)) {
      for (;;) {
        if (this.stopping) return deleted;
        await this.priority.turn(MAX_TURN_WAIT_MS);
        const found = await this.repository.deleteBatchOfDay(collection, appId, day, BATCH);
        deleted += found;
        if (found < BATCH) break;
      }
    }
    return deleted;
  }

  /**
   * Reads which entries are old outside any step (an entry before the cutoff stays before it), then pulls them a
   * batch of documents per exclusive step, so the app's calls wait for one short write at a time. An old day a
   * late call adds meanwhile is pulled at the next cutoff.
   */
  private async pruneUsageDays(appId: string, cutoff: string): Promise<void> {
    const stale = await this.trackingRepository.usageDaysBefore(appId, cutoff);
    for (let start = 0; start < stale.length && !this.stopping; start += PRUNE_BATCH) {
      const batch = stale.slice(start, start + PRUNE_BATCH);
      await this.tracking.exclusive(appId, () => this.trackingRepository.pullUsageDays(appId, batch));
    }
  }

  /** Newest day first: the first record met of each company is its latest before the cutoff, and is kept. */
  private async deleteCompanyDaysBefore(appId: string, cutoff: string): Promise<number> {
    const kept = new Set<string>();
    let deleted = 0;
    for (const day of await this.repository.daysBefore('companyAttributesDaily', appId, cutoff)) {
      const records = await this.repository.companyDays(appId, day);
      const stale = records.filter((record) => kept.has(record.companyId)).map((record) => record._id);
      for (const record of records) kept.add(record.companyId);
      for (let start = 0; start < stale.length; start += BATCH) {
        if (this.stopping) return deleted;
        await this.priority.turn(MAX_TURN_WAIT_MS);
        deleted += await this.repository.deleteIds('companyAttributesDaily', appId, day, stale.slice(start, start + BATCH));
      }
    }
    return deleted;
  }
}

/** The UTC day `days` days before `day` (both YYYY-MM-DD). */
export function daysBefore(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - days * DAY_MS));
}
