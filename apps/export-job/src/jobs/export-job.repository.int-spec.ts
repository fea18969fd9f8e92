import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { ExportJobRecord, ExportJobRepository } from './export-job.repository';

/** Six clients of one database, as six export-job processes would be. */
const PROCESSES = 6;
const APP = 'app1';

const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

describe(ExportJobRepository.name, () => {
  let connections: Connection[];
  let repos: ExportJobRepository[];
  const now = new Date('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    const url = testMongoUrl('export_repo');
    connections = await Promise.all(
      Array.from({ length: PROCESSES }, () => mongoose.createConnection(url, { autoIndex: false }).asPromise()),
    );
    repos = connections.map((c) => new ExportJobRepository(c));
    await (repos[0] as ExportJobRepository).onModuleInit();
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });

  const first = () => repos[0] as ExportJobRepository;

  it('finds the latest slot of an app, and six processes claiming the next one at once number them 1..n', async () => {
    const app = 'app-slots';
    const at = (n: number) => new Date(now.getTime() + n);
    expect(await first().latestSlot(app)).toBeNull();
    for (let n = 1; n <= 40; n++) {
      expect(await first().claimSlot(app, n, `job-${n}`, at(n))).toBe(`${app}#${n}`);
      expect(await repos[n % PROCESSES]?.latestSlot(app)).toMatchObject({ _id: `${app}#${n}`, n, jobId: `job-${n}` });
    }
    expect(await first().latestSlot('app-slots-other')).toBeNull();

    const racing = 'app-slots-race';
    const won: number[] = [];
    await Promise.all(
      repos.map(async (repo, p) => {
        while (won.length < 30) {
          const n = ((await repo.latestSlot(racing))?.n ?? 0) + 1;
          if (await repo.claimSlot(racing, n, `job-${p}-${n}`, at(n))) won.push(n);
          else await yieldToOthers();
        }
      }),
    );
    expect([...won].sort((a, b) => a - b)).toEqual(won.map((_, i) => i + 1));
    expect((await first().latestSlot(racing))?.n).toBe(won.length);
  });

  it('keeps both the sweeper flag and the notifier state of a job when they are written for 50 jobs at the same moment', async () => {
    const jobs = Array.from(
      { length: 50 },
      (_, i): ExportJobRecord => ({
        _id: `job-sweep-${i}`,
        appId: APP,
        api: 'bulk',
        dataTypes: ['events'],
        format: 'csv',
        fromDay: '2026-01-01',
        toDay: '2026-01-31',
        eventTypes: [],
        userIds: [],
        companyIds: [],
        segmentId: '',
        exclusions: false,
        emails: [],
        filter: '',
        history: '',
        partitionKeys: ['2026-01-01'],
        slotId: `${APP}#${i}`,
        createdAt: now,
        visibleUntil: now,
        filesDeleted: false,
      }),
    );
    for (const job of jobs) {
      await first().insertJob(job);
      const end = { _id: job._id, appId: APP, status: 'completed' as const, at: now, error: null, files: [], manifestKey: null };
      await first().insertEnd({ ...end, notifyPending: true, notifyNextAt: now, notifyAttempts: 0 });
    }
    await Promise.all(
      jobs.flatMap((job, i) => [
        (repos[i % PROCESSES] as ExportJobRepository).markFilesDeleted(APP, job._id),
        (repos[(i + 1) % PROCESSES] as ExportJobRepository).setNotifyState(APP, job._id, {
          notifyPending: false,
          notifyNextAt: null,
          notifyAttempts: 1,
        }),
      ]),
    );
    for (const job of jobs) {
      expect((await first().findJob(APP, job._id))?.filesDeleted).toBe(true);
      expect(await first().findEnd(APP, job._id)).toMatchObject({ notifyPending: false, notifyAttempts: 1 });
    }
  });
});
