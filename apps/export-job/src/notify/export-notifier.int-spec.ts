import { notifications } from '@exportd/contracts';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import { ExportJobEnv } from '../config/env';
import { ExportJobRepository } from '../jobs/export-job.repository';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { RetentionPolicy } from '../jobs/retention';
import { RetentionSweeper } from '../jobs/retention-sweeper';
import { PartitionClaim, PartitionQueueRepository } from '../queue/partition-queue.repository';
import {
  ExportProcesses,
  exportRequest,
  MemoryStorage,
  OpenPreconditions,
  startExportProcesses,
} from '../testing/export-processes';
import { ExportNotifierLoop, FinishedNotifier, NOTIFY_ATTEMPT_TIMEOUT_MS } from './export-notifier';

/** Six clients of one database, as six export-job processes would be. */
const PROCESSES = 6;

/** Records every hand-off; fails the first `failures` calls (as notification does while it is not deployed). */
class RecordingNotifier extends FinishedNotifier {
  calls: notifications.NotifyExportFinishedRequest[] = [];
  constructor(public failures = 0) {
    super();
  }
  async notify(request: notifications.NotifyExportFinishedRequest): Promise<void> {
    this.calls.push(request);
    await new Promise((r) => setTimeout(r, 2)); // a network round trip: lets other processes run meanwhile
    if (this.failures-- > 0) throw new Error('12 UNIMPLEMENTED');
  }
}

const input = () => exportRequest({ fromDay: '2024-05-02', toDay: '2024-05-30', emails: ['example@work.com'] });

describe(ExportNotifierLoop.name, () => {
  let processes: ExportProcesses;
  const storage = new MemoryStorage();
  const clock = new ManualClock(new Date('2024-09-22T13:17:26.864Z'));
  const retention = new RetentionPolicy({ linkTtlSeconds: 172_800, jobRetentionSeconds: 259_200 });
  const env = { EXPORT_NOTIFY_RETRY_BASE_MS: 1_000, EXPORT_NOTIFY_RETRY_MAX_MS: 60_000 } as ExportJobEnv;

  beforeAll(async () => {
    processes = await startExportProcesses(testMongoUrl('export_notify'), PROCESSES, { storage, clock, retention });
  });

  afterAll(() => processes.close());

  const repo = (i: number) => processes.repos[i % PROCESSES] as ExportJobRepository;
  const queue = (i: number) => processes.queues[i % PROCESSES] as PartitionQueueRepository;
  const service = (i: number) => processes.services[i % PROCESSES] as ExportJobsService;
  const loops = (notifier: FinishedNotifier) =>
    processes.repos.map((r, i) => new ExportNotifierLoop(env, r, service(i), notifier, clock));

  /** Completed jobs, one per app, each with one file. */
  const completedJobs = async (prefix: string, count: number) => {
    const ids: { appId: string; jobId: string }[] = [];
    for (let i = 0; i < count; i++) {
      const appId = `${prefix}-${i}`;
      const { job } = await service(i).create(appId, input());
      const claim = (await queue(i).claimPartition('worker', clock.now(), 60_000)) as PartitionClaim;
      const file = {
        partition: claim.partition.key,
        filename: '2024-05-01.csv.gz',
        key: `k/${job._id}`,
        rows: 3,
        bytes: 40,
        sha256: 'ab',
      };
      await queue(i).insertResult({
        _id: claim.partition._id,
        appId,
        jobId: job._id,
        index: 0,
        attempt: 1,
        file,
        at: clock.now(),
      });
      await queue(i).settleAttempt(claim, 'done', clock.now());
      expect(await service(i).finishIfComplete(appId, job._id)).toBe(true);
      ids.push({ appId, jobId: job._id });
    }
    return ids;
  };
  /** Runs the loops of every process at once until none has anything due. */
  const drain = async (all: ExportNotifierLoop[]) => {
    const busy = async (loop: ExportNotifierLoop) => {
      while (await loop.once()) {
        // keep sending
      }
    };
    await Promise.all(all.map(busy));
  };

  it('retries with growing back-off until the call succeeds, then clears the pending flag', async () => {
    const [{ appId, jobId }] = (await completedJobs('app-backoff', 1)) as [{ appId: string; jobId: string }];
    const finishedAt = clock.now();
    const notifier = new RecordingNotifier(2);
    const [sut] = loops(notifier) as [ExportNotifierLoop];

    expect(await sut.once()).toBe(true); // fails
    expect((await repo(0).findEnd(appId, jobId))?.notifyNextAt).toEqual(new Date(finishedAt.getTime() + 1_000));
    expect(await sut.once()).toBe(false); // not due yet
    clock.advance(1_000);
    expect(await sut.once()).toBe(true); // fails again, waits twice as long
    expect((await repo(0).findEnd(appId, jobId))?.notifyNextAt).toEqual(new Date(clock.now().getTime() + 2_000));
    clock.advance(2_000);
    expect(await sut.once()).toBe(true); // succeeds
    expect((await repo(0).findEnd(appId, jobId))?.notifyPending).toBe(false);
    expect(await sut.once()).toBe(false);

    expect(notifier.calls).toHaveLength(3);
    const sent = notifier.calls[2] as notifications.NotifyExportFinishedRequest;
    expect(sent).toMatchObject({
      appId,
      jobId,
      eventType: 'export.completed',
      emails: ['example@work.com'],
      files: [{ filename: '2024-05-01.csv.gz', bytes: 40, rows: 3 }],
      linksExpireAt: new Date(finishedAt.getTime() + 172_800_000),
      error: '',
    });
    expect(sent.files[0]?.url).toContain('X-Amz-Signature');
    expect(JSON.parse(sent.jobJson)).toMatchObject({ job_id: jobId, status: 'completed', type: 'export' });
  });

  it('hands each job end over once when the notifier loops of six processes run at once', async () => {
    const jobs = await completedJobs('app-once', 20);
    const notifier = new RecordingNotifier();
    await drain(loops(notifier));
    expect(notifier.calls.map((c) => c.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
  });

  it('sends the next attempt when the process holding one died before recording its outcome', async () => {
    const [{ appId, jobId }] = (await completedJobs('app-died', 1)) as [{ appId: string; jobId: string }];
    expect(await repo(0).claimNotifyAttempt(appId, jobId, 1, 'dead-process', clock.now())).toBe(true);
    const notifier = new RecordingNotifier();
    await drain(loops(notifier));
    expect(notifier.calls).toHaveLength(0);
    clock.advance(NOTIFY_ATTEMPT_TIMEOUT_MS);
    await drain(loops(notifier));
    expect(notifier.calls.map((c) => c.jobId)).toEqual([jobId]);
    expect(await repo(1).findEnd(appId, jobId)).toMatchObject({ notifyPending: false, notifyAttempts: 2 });
  });

  it('lets the retention sweepers and the notifier loops of six processes work on the same jobs without undoing each other', async () => {
    const jobs = await completedJobs('app-sweep', 20);
    clock.advance(604_800_000); // the files are due for deletion while the hand-offs are still pending
    const notifier = new RecordingNotifier();
    const sweepers = processes.repos.map(
      (r) => new RetentionSweeper({} as ExportJobEnv, r, storage, new OpenPreconditions(), clock),
    );
    await Promise.all([drain(loops(notifier)), ...sweepers.map((s) => s.sweep())]);

    expect(notifier.calls.map((c) => c.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    for (const { appId, jobId } of jobs) {
      expect((await repo(0).findJob(appId, jobId))?.filesDeleted).toBe(true);
      expect((await repo(0).findEnd(appId, jobId))?.notifyPending).toBe(false);
      expect(storage.deleted).toContain(`apps/${appId}/exports/${jobId}/`);
    }
  });
});
