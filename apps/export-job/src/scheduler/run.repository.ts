import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { attemptId, LeasedAttempts } from '../db/leased-attempts';
import { insertOnce } from '../db/records';

/*
 * Scheduled runs: one per (schedule, period), exactly once across processes. Concurrency patterns as in
 * ../db/records.ts: the run and each of its attempts are claimed by unique insert before any work; the run's
 * end is a unique-insert claim too; an attempt is then written only by its holder.
 */

export type AttemptOutcome = 'running' | 'succeeded' | 'retry' | 'failed';
export type RunOutcome = 'succeeded' | 'failed';

/** `export_runs` (_id = `<scheduleId>|<period key>`): the run of one period, written once. */
export interface RunRecord {
  _id: string;
  appId: string;
  scheduleId: string;
  periodKey: string;
  fromDay: string;
  toDay: string;
  /** The period's first instant (absent on runs recorded before it was kept). */
  periodStart?: Date;
  /** The instant the period ended: the run exports the data as it was then. */
  periodEnd: Date;
  createdAt: Date;
}

/** `export_run_attempts` (_id = `<runId>#<n>`): attempt n, claimed by unique insert, then its holder's. */
export interface RunAttemptRecord {
  _id: string;
  appId: string;
  runId: string;
  attempt: number;
  owner: string;
  claimedAt: Date;
  /** Nobody claims the next attempt before this: the holder's lease, or the back-off after a failure. */
  leaseUntil: Date;
  outcome: AttemptOutcome;
  error: string | null;
  finishedAt: Date | null;
}

/** `export_run_ends` (_id = run id): the run's one outcome, first insert wins. */
export interface RunEndRecord {
  _id: string;
  appId: string;
  scheduleId: string;
  periodEnd: Date;
  outcome: RunOutcome;
  /** What the export or the customer's storage answered, for a failure. */
  error: string | null;
  at: Date;
  attempts: number;
  /** The export job of a scheduled export's run. */
  exportId: string | null;
}

export const runId = (scheduleId: string, periodKey: string) => `${scheduleId}|${periodKey}`;

const runSchema = new Schema<RunRecord>(
  {
    _id: String,
    appId: String,
    scheduleId: String,
    periodKey: String,
    fromDay: String,
    toDay: String,
    periodStart: Date,
    periodEnd: Date,
    createdAt: Date,
  },
  { versionKey: false, collection: 'export_runs' },
);
const attemptSchema = new Schema<RunAttemptRecord>(
  {
    _id: String,
    appId: String,
    runId: String,
    attempt: Number,
    owner: String,
    claimedAt: Date,
    leaseUntil: Date,
    outcome: String,
    error: String,
    finishedAt: Date,
  },
  { versionKey: false, collection: 'export_run_attempts' },
);
const endSchema = new Schema<RunEndRecord>(
  {
    _id: String,
    appId: String,
    scheduleId: String,
    periodEnd: Date,
    outcome: String,
    error: String,
    at: Date,
    attempts: Number,
    exportId: String,
  },
  { versionKey: false, collection: 'export_run_ends' },
);

/** Runs, their attempts and ends: the only code that knows how they are stored. */
@Injectable()
export class RunRepository implements OnModuleInit {
  private readonly runs: Model<RunRecord>;
  private readonly attempts: LeasedAttempts<RunAttemptRecord>;
  private readonly ends: Model<RunEndRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.runs = connection.model('ExportRun', runSchema);
    this.attempts = new LeasedAttempts(connection.model('ExportRunAttempt', attemptSchema));
    this.ends = connection.model('ExportRunEnd', endSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.runs.collection.createIndex({ appId: 1, scheduleId: 1 });
    await this.ends.collection.createIndex({ appId: 1, scheduleId: 1 });
  }

  /** Inserts the run unless it exists (the period's run is claimed once, whoever gets there first). */
  async claimRun(run: RunRecord): Promise<void> {
    await insertOnce(this.runs, run);
  }

  findRun(appId: string, id: string): Promise<RunRecord | null> {
    return this.runs.findOne({ _id: id, appId }).lean<RunRecord>().exec();
  }

  findEnd(appId: string, id: string): Promise<RunEndRecord | null> {
    return this.ends.findOne({ _id: id, appId }).lean<RunEndRecord>().exec();
  }

  /** Unique-insert claim of the run's end; answers whether this call decided it. */
  insertEnd(end: RunEndRecord): Promise<boolean> {
    return insertOnce(this.ends, end);
  }

  /** A schedule's ended runs, newest period first, then latest end (a schedule has a few hundred a year). */
  listEnds(appId: string, scheduleId: string, limit: number): Promise<RunEndRecord[]> {
    return this.ends.find({ appId, scheduleId }).sort({ periodEnd: -1, at: -1 }).limit(limit).lean<RunEndRecord[]>().exec();
  }

  listRuns(appId: string, scheduleId: string, limit: number): Promise<RunRecord[]> {
    return this.runs.find({ appId, scheduleId }).sort({ periodEnd: -1 }).limit(limit).lean<RunRecord[]>().exec();
  }

  latestAttempt(appId: string, run: string): Promise<RunAttemptRecord | null> {
    return this.attempts.latest(appId, run);
  }

  /** Unique-insert claim of attempt `attempt` of a run; answers the attempt, or null when another process won it. */
  async claimAttempt(
    appId: string,
    run: string,
    attempt: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<RunAttemptRecord | null> {
    const record: RunAttemptRecord = {
      _id: attemptId(run, attempt),
      appId,
      runId: run,
      attempt,
      owner,
      claimedAt: now,
      leaseUntil: new Date(now.getTime() + leaseMs),
      outcome: 'running',
      error: null,
      finishedAt: null,
    };
    return (await this.attempts.claim(record)) ? record : null;
  }

  /** The holder extends its lease; false when a later attempt superseded it (its lease had run out). */
  heartbeat(attempt: RunAttemptRecord, leaseUntil: Date): Promise<boolean> {
    return this.attempts.extend(attempt.appId, attempt.runId, attempt.attempt, leaseUntil);
  }

  /** The holder records its attempt's outcome; `retry` keeps the next attempt away until `retryAt`. */
  async settleAttempt(
    attempt: RunAttemptRecord,
    outcome: Exclude<AttemptOutcome, 'running'>,
    now: Date,
    detail: { error?: string; retryAt?: Date } = {},
  ): Promise<void> {
    const leaseUntil = outcome === 'retry' && detail.retryAt ? detail.retryAt : now;
    await this.attempts.settle(attempt.appId, attempt.runId, attempt.attempt, {
      outcome,
      leaseUntil,
      error: detail.error ?? null,
      finishedAt: now,
    });
  }
}
