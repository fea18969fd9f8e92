import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { ExportJobEnv } from '../config/env';
import { notifications } from '@exportd/contracts';
import { FinishedNotifier } from '../notify/export-notifier';
import { RunRecord, RunRepository } from './run.repository';
import { ScheduledTask, ScheduleEntry, Scheduler } from './scheduler';

/** Six clients of one database, as six export-job processes would be. */
const PROCESSES = 6;
const DAY_MS = 86_400_000;
const START = new Date('2026-03-02T10:00:00Z'); // a Monday

/**
 * A kind of scheduled work whose runs are recorded, standing in for the real exports: what is tested here is
 * that the schedulers of several processes run each period once, in order (the gateway's end-to-end tests run
 * the real automatic export).
 */
class RecordingTask extends ScheduledTask {
  readonly kind = 'recording';
  readonly runs: string[] = [];
  /** Periods whose attempts throw, by period key: how many attempts still fail (Infinity: all). */
  readonly failing = new Map<string, number>();

  constructor(private readonly entries: ScheduleEntry[]) {
    super();
  }

  active(): Promise<ScheduleEntry[]> {
    return Promise.resolve(this.entries);
  }

  async run(entry: ScheduleEntry, run: RunRecord): Promise<{ exportId?: string }> {
    this.runs.push(run._id);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the work takes a while: others tick meanwhile
    const failures = this.failing.get(run.periodKey) ?? 0;
    if (failures > 0) {
      this.failing.set(run.periodKey, failures - 1);
      throw new Error(`storage down for ${run.periodKey}`);
    }
    return {};
  }
}

/** What the schedulers hand to notification (the alerts). */
class RecordingNotifier extends FinishedNotifier {
  readonly calls: notifications.NotifyExportFinishedRequest[] = [];
  notify(request: notifications.NotifyExportFinishedRequest): Promise<void> {
    this.calls.push(request);
    return Promise.resolve();
  }
}

describe(Scheduler.name, () => {
  let connections: Connection[];
  let repos: RunRepository[];
  const clock = new ManualClock(START);
  const env = {
    SCHEDULER_INTERVAL_MS: 0,
    SCHEDULE_LEASE_MS: 60_000,
    SCHEDULE_RETRY_BASE_MS: 1_000,
    SCHEDULE_RETRY_MAX_MS: 10_000,
    SCHEDULE_MAX_ATTEMPTS: 3,
  } as ExportJobEnv;

  beforeAll(async () => {
    const url = testMongoUrl('scheduler');
    connections = await Promise.all(
      Array.from({ length: PROCESSES }, () => mongoose.createConnection(url, { autoIndex: false }).asPromise()),
    );
    repos = connections.map((c) => new RunRepository(c));
    await (repos[0] as RunRepository).onModuleInit();
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });

  let notifier: RecordingNotifier;
  const schedulers = (task: ScheduledTask) => {
    notifier = new RecordingNotifier();
    return repos.map((repo) => new Scheduler(env, [task], repo, notifier, clock));
  };
  /** Every process ticks at once, `rounds` times. */
  const tickAll = async (all: Scheduler[], rounds = 1) => {
    for (let i = 0; i < rounds; i++) await Promise.all(all.map((s) => s.tick()));
  };
  const entry = (id: string, cadence: ScheduleEntry['cadence'] = 'daily'): ScheduleEntry => ({
    id,
    appId: 'app1',
    cadence,
    activeSince: START,
  });

  it('runs each period once, in order, when six processes tick at once across ten days', async () => {
    const task = new RecordingTask([entry('daily-once')]);
    const all = schedulers(task);
    for (let day = 1; day <= 10; day++) {
      clock.set(new Date(START.getTime() + day * DAY_MS));
      await tickAll(all, 3);
    }
    const days = Array.from({ length: 10 }, (_, i) => new Date(START.getTime() + i * DAY_MS).toISOString().slice(0, 10));
    expect(task.runs).toEqual(days.map((day) => `daily-once|${day}`));
    const ends = await (repos[0] as RunRepository).listEnds('app1', 'daily-once', 20);
    expect(ends.map((e) => e.outcome)).toEqual(days.map(() => 'succeeded'));
  });

  it('catches up on the latest seven periods, oldest first, after a long downtime', async () => {
    const task = new RecordingTask([entry('daily-catch-up')]);
    clock.set(new Date(START.getTime() + 12 * DAY_MS + 5_000));
    await tickAll(schedulers(task), 10);
    const days = Array.from({ length: 7 }, (_, i) => new Date(START.getTime() + (5 + i) * DAY_MS).toISOString().slice(0, 10));
    expect(task.runs).toEqual(days.map((day) => `daily-catch-up|${day}`));
  });

  it('redoes a run whose process died once its lease runs out, and only then', async () => {
    const task = new RecordingTask([entry('weekly-died', 'weekly')]);
    const monday = new Date(START.getTime() + 7 * DAY_MS);
    clock.set(monday);
    const runId = 'weekly-died|2026-03-02_2026-03-08';
    const repo = repos[0] as RunRepository;
    // A process claimed the run and its first attempt, then died.
    await repo.claimRun({
      _id: runId,
      appId: 'app1',
      scheduleId: 'weekly-died',
      periodKey: '2026-03-02_2026-03-08',
      fromDay: '2026-03-02',
      toDay: '2026-03-08',
      periodEnd: monday,
      createdAt: monday,
    });
    expect(await repo.claimAttempt('app1', runId, 1, 'dead', monday, env.SCHEDULE_LEASE_MS)).not.toBeNull();
    const all = schedulers(task);
    await tickAll(all, 3);
    expect(task.runs).toEqual([]);
    clock.set(new Date(monday.getTime() + env.SCHEDULE_LEASE_MS));
    await tickAll(all, 3);
    expect(task.runs).toEqual([runId]);
    expect(await repo.findEnd('app1', runId)).toMatchObject({ outcome: 'succeeded', attempts: 2 });
  });

  it('retries a failed run after its back-off, ends it failed after the last attempt, and alerts once after three failed periods in a row', async () => {
    const task = new RecordingTask([entry('daily-fails')]);
    const all = schedulers(task);
    const day = (n: number) => new Date(START.getTime() + n * DAY_MS).toISOString().slice(0, 10);
    task.failing.set(day(0), 1); // recovers on its second attempt
    for (const n of [1, 2, 3]) task.failing.set(day(n), Infinity);

    clock.set(new Date(START.getTime() + DAY_MS));
    await tickAll(all, 2);
    expect(task.runs).toEqual([`daily-fails|${day(0)}`]); // backing off
    clock.advance(1_000);
    await tickAll(all, 2);
    expect(task.runs).toEqual([`daily-fails|${day(0)}`, `daily-fails|${day(0)}`]);

    for (const n of [1, 2, 3]) {
      clock.set(new Date(START.getTime() + (n + 1) * DAY_MS));
      for (let attempt = 0; attempt < 3; attempt++) {
        await tickAll(all, 2);
        clock.advance(10_000);
      }
    }
    const ends = await (repos[0] as RunRepository).listEnds('app1', 'daily-fails', 10);
    expect(ends.map((e) => [e.outcome, e.attempts])).toEqual([
      ['failed', 3],
      ['failed', 3],
      ['failed', 3],
      ['succeeded', 2],
    ]);
    expect(ends[0]?.error).toBe(`storage down for ${day(3)}`);
    // One alert, by one process, for the third failed period.
    expect(notifier.calls.map((c) => [c.eventType, c.jobId])).toEqual([['export.automatic.failed', `daily-fails|${day(3)}`]]);
    expect(JSON.parse(notifier.calls[0]?.jobJson ?? '{}')).toMatchObject({ schedule_id: 'daily-fails', cadence: 'daily' });
  });
});
