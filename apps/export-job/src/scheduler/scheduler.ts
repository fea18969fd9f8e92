import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { withRequestId } from '@exportd/observability';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { scheduledRunAttempts, schedulerLag } from '../metrics';
import { FinishedNotifier } from '../notify/export-notifier';
import { Cadence, duePeriods, Period, periodAfter, PeriodZone } from './periods';
import { RunAttemptRecord, RunEndRecord, runId, RunRecord, RunRepository } from './run.repository';

/** One schedule as the scheduler sees it: which app, how often, since when. */
export interface ScheduleEntry {
  /** Unique across kinds (the automatic export's is `automatic:<appId>`). */
  id: string;
  appId: string;
  cadence: Cadence;
  /** Periods that ended after this instant are due (the first run is the next day, or next Monday). */
  activeSince: Date;
  /** A period's run is due this long after the period ended (0: at once). */
  dueDelayMs?: number;
  /** Where periods start (default: UTC days, weeks from Monday). */
  zone?: PeriodZone;
}

/** A kind of scheduled work (the automatic company export, scheduled exports). */
export abstract class ScheduledTask {
  abstract readonly kind: string;
  /** Every active schedule of this kind, across apps. */
  abstract active(): Promise<ScheduleEntry[]>;
  /**
   * The period's work, as of `run.periodEnd`; writes the same objects when redone. Throws on failure (its
   * message is what the status shows). Answers the export job's id, if it made one.
   */
  abstract run(entry: ScheduleEntry, run: RunRecord, signal: AbortSignal): Promise<{ exportId?: string }>;
}

export const SCHEDULED_TASKS = 'SCHEDULED_TASKS';
/** Failed periods in a row after which the app's subscribed endpoints are told (`export.automatic.failed`). */
export const FAILED_PERIODS_ALERT = 3;
const ALERT_ATTEMPTS = 5;

/**
 * One scheduler for every kind of scheduled work, in every export-job process: exactly one run per
 * (schedule, period). A run is claimed by unique insert before any work, and so is each attempt (with a
 * lease the holder keeps alive); an attempt whose process died is superseded once its lease runs out and
 * redone from scratch to the same object keys. A schedule's periods run in order, oldest first (at most the
 * latest seven after downtime). A failed attempt is retried with back-off until the next period is due (or
 * SCHEDULE_MAX_ATTEMPTS); then the run ends failed with the last error.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Scheduler.name);
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly stop = new AbortController();
  private loop?: Promise<void>;
  /** Runs seen ended (ends never change, so remembering them is safe); bounded. */
  private readonly ended = new Set<string>();

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    @Inject(SCHEDULED_TASKS) private readonly tasks: ScheduledTask[],
    private readonly runs: RunRepository,
    private readonly notifier: FinishedNotifier,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.SCHEDULER_INTERVAL_MS > 0) this.loop = this.every(this.env.SCHEDULER_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  private async every(intervalMs: number): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        await this.tick();
      } catch (error) {
        if (!this.stop.signal.aborted) this.logger.error(`scheduler: ${(error as Error).message}`);
      }
      await sleep(intervalMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }

  /** Looks at every active schedule once: claims and works on the oldest open run of each. */
  async tick(): Promise<void> {
    for (const task of this.tasks) {
      for (const entry of await task.active()) {
        if (this.stop.signal.aborted) return;
        await this.advance(task, entry).catch((error: unknown) =>
          this.logger.warn(`schedule ${entry.id}: ${(error as Error).message}`),
        );
      }
    }
  }

  /** Runs the schedule's due periods in order: the oldest one not ended is the only one worked on. */
  private async advance(task: ScheduledTask, entry: ScheduleEntry): Promise<void> {
    const now = new Date(this.clock.now().getTime() - (entry.dueDelayMs ?? 0));
    for (const period of duePeriods(entry.cadence, entry.activeSince, now, entry.zone)) {
      const id = runId(entry.id, period.key);
      if (this.ended.has(id)) continue;
      if (await this.runs.findEnd(entry.appId, id)) {
        this.remember(id);
        continue;
      }
      await this.attempt(task, entry, await this.claimRun(entry, period));
      return;
    }
  }

  private async claimRun(entry: ScheduleEntry, period: Period): Promise<RunRecord> {
    const id = runId(entry.id, period.key);
    await this.runs.claimRun({
      _id: id,
      appId: entry.appId,
      scheduleId: entry.id,
      periodKey: period.key,
      fromDay: period.fromDay,
      toDay: period.toDay,
      periodStart: period.start,
      periodEnd: period.end,
      createdAt: this.clock.now(),
    });
    return (await this.runs.findRun(entry.appId, id)) as RunRecord;
  }

  /** Claims the run's next attempt unless one is held or backing off, and works it. */
  private async attempt(task: ScheduledTask, entry: ScheduleEntry, run: RunRecord): Promise<void> {
    const now = this.clock.now();
    const latest = await this.runs.latestAttempt(entry.appId, run._id);
    // A settled last attempt: the run has ended (its end is written before the attempt is settled).
    if (latest?.outcome === 'succeeded' || latest?.outcome === 'failed') return;
    if (latest && latest.leaseUntil > now) return;
    const number = (latest?.attempt ?? 0) + 1;
    const claim = await this.runs.claimAttempt(entry.appId, run._id, number, this.owner, now, this.env.SCHEDULE_LEASE_MS);
    if (!claim) return; // another process holds it
    scheduledRunAttempts.inc();
    if (number === 1) schedulerLag.set(Math.max(0, now.getTime() - run.periodEnd.getTime() - (entry.dueDelayMs ?? 0)) / 1000);
    if (latest?.outcome === 'running') this.logger.warn(`run ${run._id}: attempt ${latest.attempt} was abandoned; redoing it`);

    const abort = new AbortController();
    const onStop = () => abort.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    let superseded = false;
    let beating: Promise<void> = Promise.resolve();
    const heartbeat = setInterval(
      () => {
        beating = beating
          .then(async () => {
            const until = new Date(this.clock.now().getTime() + this.env.SCHEDULE_LEASE_MS);
            if (!(await this.runs.heartbeat(claim, until))) {
              superseded = true;
              abort.abort();
            }
          })
          .catch((error: unknown) => this.logger.warn(`heartbeat of run ${run._id}: ${(error as Error).message}`));
      },
      Math.max(100, Math.floor(this.env.SCHEDULE_LEASE_MS / 3)),
    );
    try {
      // The run's export job and deliveries are logged under the run's id.
      const { exportId } = await withRequestId(`run:${run._id}`, () => task.run(entry, run, abort.signal));
      clearInterval(heartbeat);
      await beating;
      if (superseded) return;
      await this.end(task, entry, run, claim, { outcome: 'succeeded', error: null, exportId: exportId ?? null });
      await this.runs.settleAttempt(claim, 'succeeded', this.clock.now());
    } catch (error) {
      clearInterval(heartbeat);
      await beating;
      if (superseded || this.stop.signal.aborted) return;
      await this.failed(task, entry, run, claim, (error as Error).message);
    } finally {
      clearInterval(heartbeat);
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  /** A failed attempt: retried with back-off until the next period is due, then the run ends failed. */
  private async failed(task: ScheduledTask, entry: ScheduleEntry, run: RunRecord, claim: RunAttemptRecord, error: string) {
    const now = this.clock.now();
    const backoff = Math.min(this.env.SCHEDULE_RETRY_BASE_MS * 2 ** (claim.attempt - 1), this.env.SCHEDULE_RETRY_MAX_MS);
    const retryAt = new Date(now.getTime() + backoff);
    const nextPeriodDue = periodAfter(entry.cadence, runPeriod(run), entry.zone).end;
    if (claim.attempt < this.env.SCHEDULE_MAX_ATTEMPTS && retryAt < nextPeriodDue) {
      this.logger.warn(`run ${run._id} failed (attempt ${claim.attempt}), retrying in ${backoff} ms: ${error}`);
      await this.runs.settleAttempt(claim, 'retry', now, { error, retryAt });
      return;
    }
    this.logger.warn(`run ${run._id} failed after ${claim.attempt} attempts: ${error}`);
    await this.end(task, entry, run, claim, { outcome: 'failed', error, exportId: null });
    await this.runs.settleAttempt(claim, 'failed', now, { error });
  }

  private async end(
    task: ScheduledTask,
    entry: ScheduleEntry,
    run: RunRecord,
    claim: RunAttemptRecord,
    outcome: Pick<RunEndRecord, 'outcome' | 'error' | 'exportId'>,
  ): Promise<void> {
    const won = await this.runs.insertEnd({
      _id: run._id,
      appId: run.appId,
      scheduleId: run.scheduleId,
      periodEnd: run.periodEnd,
      at: this.clock.now(),
      attempts: claim.attempt,
      ...outcome,
    });
    this.remember(run._id);
    if (won && outcome.outcome === 'failed') await this.alertAfterFailures(task, entry);
  }

  /**
   * After FAILED_PERIODS_ALERT failed periods in a row, one signed `export.automatic.failed` webhook to the app's
   * subscribed endpoints (once per streak of failures). Only the claimer of the end gets here; notification keeps repeats idempotent (by the
   * latest run's id), so the few retries cannot send it twice.
   */
  private async alertAfterFailures(task: ScheduledTask, entry: ScheduleEntry): Promise<void> {
    // Once per streak: when this failure is the FAILED_PERIODS_ALERT-th in a row, not at every one after it.
    const ends = await this.runs.listEnds(entry.appId, entry.id, FAILED_PERIODS_ALERT + 1);
    const latest = ends.slice(0, FAILED_PERIODS_ALERT);
    if (latest.length < FAILED_PERIODS_ALERT || latest.some((end) => end.outcome !== 'failed')) return;
    if (ends[FAILED_PERIODS_ALERT]?.outcome === 'failed') return;
    const [last] = latest as [RunEndRecord];
    this.logger.warn(`schedule ${entry.id} of app ${entry.appId}: ${FAILED_PERIODS_ALERT} failed periods in a row`);
    const alert = {
      appId: entry.appId,
      jobId: last._id,
      eventType: 'export.automatic.failed',
      emails: [],
      files: [],
      error: last.error ?? '',
      jobJson: JSON.stringify({
        type: task.kind,
        schedule_id: entry.id,
        cadence: entry.cadence,
        failed_periods: latest.map((end) => ({ run_id: end._id, ended_at: end.at.toISOString(), error: end.error })),
      }),
      scheduleId: '',
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.notifier.notify(alert);
        return;
      } catch (error) {
        if (attempt >= ALERT_ATTEMPTS) throw error;
        await sleep(1_000 * 2 ** (attempt - 1), undefined, { signal: this.stop.signal });
      }
    }
  }

  /**
   * Runs `period` of `entry` now, beside its schedule (`run now`): the same work, so the same objects; its end
   * is recorded under an id of its own, so the period's scheduled run still happens once.
   */
  runNow(task: ScheduledTask, entry: ScheduleEntry, period: Period): { runId: string; done: Promise<void> } {
    const run: RunRecord = {
      _id: `${runId(entry.id, period.key)}@${randomUUID()}`,
      appId: entry.appId,
      scheduleId: entry.id,
      periodKey: period.key,
      fromDay: period.fromDay,
      toDay: period.toDay,
      periodStart: period.start,
      periodEnd: period.end,
      createdAt: this.clock.now(),
    };
    return { runId: run._id, done: this.work(task, entry, run) };
  }

  private async work(task: ScheduledTask, entry: ScheduleEntry, run: RunRecord): Promise<void> {
    await this.runs.claimRun(run);
    const end = { _id: run._id, appId: run.appId, scheduleId: run.scheduleId, periodEnd: run.periodEnd, attempts: 1 };
    try {
      const { exportId } = await task.run(entry, run, this.stop.signal);
      await this.runs.insertEnd({ ...end, outcome: 'succeeded', error: null, exportId: exportId ?? null, at: this.clock.now() });
    } catch (error) {
      const message = (error as Error).message;
      this.logger.warn(`run now of ${entry.id} (${run.periodKey}) failed: ${message}`);
      await this.runs.insertEnd({ ...end, outcome: 'failed', error: message, exportId: null, at: this.clock.now() });
    }
  }

  private remember(id: string): void {
    if (this.ended.size >= 100_000) this.ended.clear();
    this.ended.add(id);
  }
}

/** The period a run covers, as periodAfter needs it. */
function runPeriod(run: RunRecord): Period {
  return {
    key: run.periodKey,
    fromDay: run.fromDay,
    toDay: run.toDay,
    start: run.periodStart ?? run.periodEnd,
    end: run.periodEnd,
  };
}
