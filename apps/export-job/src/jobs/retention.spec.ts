import { ManualClock } from '@exportd/runtime';
import { MemoryStorage, OpenPreconditions } from '../testing/export-processes';
import { ExportJobRecord, ExportJobRepository } from './export-job.repository';
import { RetentionPolicy } from './retention';
import { RetentionSweeper } from './retention-sweeper';
import { ExportJobEnv } from '../config/env';

const DAY = 24 * 3600 * 1000;
const policy = new RetentionPolicy({
  linkTtlSeconds: 2 * 24 * 3600,
  onDemandLinkTtlSeconds: 7 * 24 * 3600,
  jobRetentionSeconds: 3 * 24 * 3600,
});

describe(RetentionPolicy.name, () => {
  const created = new Date('2024-09-22T13:17:26.864Z');
  const finished = new Date('2024-09-22T13:18:11.558Z');

  it('shows job information for 3 days after creation', () => {
    const clock = new ManualClock(created);
    expect(policy.isVisible(created, clock.now())).toBe(true);
    clock.advance(3 * DAY - 1);
    expect(policy.isVisible(created, clock.now())).toBe(true);
    clock.advance(1);
    expect(policy.isVisible(created, clock.now())).toBe(false);
  });

  it('keeps the download links of a Bulk API job valid for 2 days after the end of the job', () => {
    const clock = new ManualClock(finished);
    expect(policy.linksExpireAt(finished, 'bulk').toISOString()).toBe('2024-09-24T13:18:11.558Z');
    expect(policy.linkTtlSeconds('bulk')).toBe(172_800);
    clock.advance(2 * DAY - 1);
    expect(policy.linksValid(finished, clock.now(), 'bulk')).toBe(true);
    clock.advance(1);
    expect(policy.linksValid(finished, clock.now(), 'bulk')).toBe(false);
  });

  it('keeps the download links of an on-demand job valid for 7 days after the end of the job', () => {
    const clock = new ManualClock(finished);
    expect(policy.linksExpireAt(finished, 'on_demand').toISOString()).toBe('2024-09-29T13:18:11.558Z');
    expect(policy.linkTtlSeconds('on_demand')).toBe(604_800);
    clock.advance(7 * DAY - 1);
    expect(policy.linksValid(finished, clock.now(), 'on_demand')).toBe(true);
    clock.advance(1);
    expect(policy.linksValid(finished, clock.now(), 'on_demand')).toBe(false);
  });
});

/** Jobs that have ended, as the repository answers them. */
class FakeJobs {
  constructor(public jobs: ExportJobRecord[]) {}
  jobsWithFiles(): Promise<ExportJobRecord[]> {
    return Promise.resolve(this.jobs.filter((j) => !j.filesDeleted));
  }
  hasEnded(): Promise<boolean> {
    return Promise.resolve(true);
  }
  markFilesDeleted(_appId: string, jobId: string): Promise<void> {
    const job = this.jobs.find((j) => j._id === jobId);
    if (job) job.filesDeleted = true;
    return Promise.resolve();
  }
}

describe(RetentionSweeper.name, () => {
  const created = new Date('2024-01-01T00:00:00Z');
  const jobOf = (id: string, appId: string) => ({ _id: id, appId, createdAt: created, filesDeleted: false }) as ExportJobRecord;

  function sweeper(jobs: ExportJobRecord[]) {
    const storage = new MemoryStorage();
    const clock = new ManualClock(created);
    const preconditions = new OpenPreconditions();
    const repo = new FakeJobs(jobs) as unknown as ExportJobRepository;
    return { storage, clock, preconditions, sut: new RetentionSweeper({} as ExportJobEnv, repo, storage, preconditions, clock) };
  }

  it('deletes the files of a job once the clock passes its file retention (7 days by default), and only once', async () => {
    const { storage, clock, sut } = sweeper([jobOf('job1', 'app1')]);
    clock.advance(7 * DAY - 1);
    expect(await sut.sweep()).toBe(0);
    clock.advance(1);
    expect(await sut.sweep()).toBe(1);
    expect(storage.deleted).toEqual(['apps/app1/exports/job1/']);
    expect(await sut.sweep()).toBe(0);
  });

  it("applies each app's own retention, read again at every sweep", async () => {
    const { storage, clock, preconditions, sut } = sweeper([jobOf('job1', 'app1'), jobOf('job2', 'app2')]);
    preconditions.retentions.set('app2', { ...(await preconditions.retention('app2')), exportFilesDays: 2 });
    clock.advance(2 * DAY);
    expect(await sut.sweep()).toBe(1);
    expect(storage.deleted).toEqual(['apps/app2/exports/job2/']);
    preconditions.retentions.set('app1', { ...(await preconditions.retention('app1')), exportFilesDays: 1 });
    expect(await sut.sweep()).toBe(1);
    expect(storage.deleted).toEqual(['apps/app2/exports/job2/', 'apps/app1/exports/job1/']);
  });
});
