import { notifications } from '@exportd/contracts';
import { ManualClock } from '@exportd/runtime';
import { ExportJobEnv } from '../config/env';
import { ExportJobRecord, ExportJobRepository, PartitionRecord } from '../jobs/export-job.repository';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { RetentionPolicy } from '../jobs/retention';
import { ExportStorage } from '../storage/export-storage';
import { ExportNotifierLoop, FinishedNotifier } from './export-notifier';

class FlakyNotifier extends FinishedNotifier {
  calls: notifications.NotifyExportFinishedRequest[] = [];
  failuresLeft: number;
  constructor(failures: number) {
    super();
    this.failuresLeft = failures;
  }
  notify(request: notifications.NotifyExportFinishedRequest): Promise<void> {
    this.calls.push(request);
    if (this.failuresLeft-- > 0) return Promise.reject(new Error('12 UNIMPLEMENTED'));
    return Promise.resolve();
  }
}

/** The repository's notification queue, in memory. */
class FakeRepo {
  constructor(readonly job: ExportJobRecord) {}
  claimNotification(now: Date, nextAt: Date): Promise<ExportJobRecord | null> {
    const due = this.job.notifyPending && this.job.notifyNextAt && this.job.notifyNextAt <= now;
    if (!due) return Promise.resolve(null);
    this.job.notifyNextAt = nextAt;
    this.job.notifyAttempts++;
    return Promise.resolve({ ...this.job });
  }
  notificationSent(): Promise<void> {
    this.job.notifyPending = false;
    this.job.notifyNextAt = null;
    return Promise.resolve();
  }
  notificationRetryAt(_appId: string, _jobId: string, at: Date): Promise<void> {
    this.job.notifyNextAt = at;
    return Promise.resolve();
  }
  listPartitions(): Promise<PartitionRecord[]> {
    return Promise.resolve([]);
  }
}

class NoStorage extends ExportStorage {
  upload(): Promise<void> {
    return Promise.resolve();
  }
  put(): Promise<void> {
    return Promise.resolve();
  }
  presign(key: string): Promise<string> {
    return Promise.resolve(`https://s3.example/${key}?X-Amz-Signature=x`);
  }
  deletePrefix(): Promise<number> {
    return Promise.resolve(0);
  }
}

describe(ExportNotifierLoop.name, () => {
  const finishedAt = new Date('2024-09-22T13:18:11.558Z');
  const job: ExportJobRecord = {
    _id: 'job1',
    appId: 'app1',
    api: 'bulk',
    status: 'completed',
    datasets: ['events'],
    format: 'csv',
    fromDay: '2024-05-02',
    toDay: '2024-09-30',
    eventTypes: [],
    userIds: [],
    companyIds: [],
    segmentId: '',
    exclusions: false,
    emails: ['example@work.com'],
    filters: [],
    partitionKeys: ['2024-05-01'],
    files: [
      {
        partition: '2024-05-01',
        filename: '2024-05-01.csv.gz',
        key: 'apps/app1/exports/job1/2024-05-01.csv.gz',
        rows: 3,
        bytes: 40,
        sha256: 'ab',
      },
    ],
    manifestKey: 'apps/app1/exports/job1/manifest.json',
    error: null,
    createdAt: new Date('2024-09-22T13:17:26.864Z'),
    startedAt: null,
    finishedAt,
    visibleUntil: new Date('2024-09-25T13:17:26.864Z'),
    filesDeleteAt: new Date('2024-09-29T13:17:26.864Z'),
    filesDeleted: false,
    notifyPending: true,
    notifyAttempts: 0,
    notifyNextAt: finishedAt,
  };

  it('retries with growing back-off until the call succeeds, then clears the pending flag', async () => {
    const clock = new ManualClock(finishedAt);
    const repo = new FakeRepo({ ...job });
    const notifier = new FlakyNotifier(2);
    const env = { EXPORT_NOTIFY_RETRY_BASE_MS: 1_000, EXPORT_NOTIFY_RETRY_MAX_MS: 60_000 } as ExportJobEnv;
    const retention = new RetentionPolicy({
      linkTtlSeconds: 172_800,
      jobRetentionSeconds: 259_200,
      fileRetentionSeconds: 604_800,
    });
    const service = new ExportJobsService(repo as unknown as ExportJobRepository, new NoStorage(), clock, retention);
    const sut = new ExportNotifierLoop(env, repo as unknown as ExportJobRepository, service, notifier, clock);

    expect(await sut.once()).toBe(true); // fails
    expect(repo.job.notifyNextAt).toEqual(new Date(finishedAt.getTime() + 1_000));
    expect(await sut.once()).toBe(false); // not due yet
    clock.advance(1_000);
    expect(await sut.once()).toBe(true); // fails again, waits twice as long
    expect(repo.job.notifyNextAt).toEqual(new Date(clock.now().getTime() + 2_000));
    clock.advance(2_000);
    expect(await sut.once()).toBe(true); // succeeds
    expect(repo.job.notifyPending).toBe(false);
    expect(await sut.once()).toBe(false);

    expect(notifier.calls).toHaveLength(3);
    const sent = notifier.calls[2] as notifications.NotifyExportFinishedRequest;
    expect(sent).toMatchObject({
      appId: 'app1',
      jobId: 'job1',
      eventType: 'export.completed',
      emails: ['example@work.com'],
      files: [{ filename: '2024-05-01.csv.gz', bytes: 40, rows: 3 }],
      linksExpireAt: new Date('2024-09-24T13:18:11.558Z'),
      error: '',
    });
    expect(sent.files[0]?.url).toContain('X-Amz-Signature');
    expect(JSON.parse(sent.jobJson)).toMatchObject({ job_id: 'job1', status: 'completed', type: 'export' });
  });
});
