import { privacy } from '@exportd/contracts';
import { SystemClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ExportJobEnv } from '../config/env';
import { ExportJobRepository } from '../jobs/export-job.repository';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { RetentionPolicy } from '../jobs/retention';
import { ExportProcesses, MemoryStorage, startExportProcesses } from '../testing/export-processes';
import { ExportFilesEraser } from './export-files-eraser';
import { ErasureAsk, PrivacyPeers } from './privacy-peers';
import { PrivacyRequestRepository } from './privacy-request.repository';
import { PrivacyRequestsService } from './privacy-requests.service';
import { PrivacyWorker } from './privacy-worker';

/** The bucket, consuming what is uploaded (a user data document is produced as it is read). */
class ReadingStorage extends MemoryStorage {
  uploads = new Map<string, string>();
  override async upload(key: string, body: Readable): Promise<void> {
    let text = '';
    for await (const chunk of body) text += String(chunk);
    this.uploads.set(key, text);
  }
}

/** Ingestion and aggregation as seen from export-job: counts every call; the first `failures` calls fail. */
class CountingPeers extends PrivacyPeers {
  calls = new Map<string, number>();
  constructor(private failures = 0) {
    super();
  }
  private async answer(service: string, ask: ErasureAsk) {
    const key = `${service}:${ask.requestId}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a window for racing workers
    if (this.failures > 0) {
      this.failures--;
      throw new Error('14 UNAVAILABLE: ingestion is restarting');
    }
    return [{ name: `${service}_records`, count: 3 }];
  }
  eraseInIngestion(ask: ErasureAsk) {
    return this.answer('ingestion', ask);
  }
  eraseInAggregation(ask: ErasureAsk) {
    return this.answer('aggregation', ask);
  }
  async *userData(appId: string, userId: string): AsyncIterable<privacy.UserDataChunk> {
    const key = `userData:${userId}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    yield { profileJson: JSON.stringify({ user_id: userId }), companiesJson: [], callsJson: [], summaryJson: '' };
    yield { profileJson: '', companiesJson: [], callsJson: ['{"type":"event"}', '{"type":"user"}'], summaryJson: '' };
    yield { profileJson: '', companiesJson: [], callsJson: [], summaryJson: `{"calls":2,"app":"${appId}"}` };
  }
}

const env = {
  ENCRYPTION_KEY: randomBytes(32),
  PRIVACY_POLL_INTERVAL_MS: 0,
  PRIVACY_LEASE_MS: 5_000,
  PRIVACY_RETRY_MAX_MS: 50,
  EXPORT_GZIP_LEVEL: 1,
} as unknown as ExportJobEnv;

describe('privacy requests carried out by several processes at once', () => {
  const url = testMongoUrl('privacy');
  const clock = new SystemClock();
  const retention = new RetentionPolicy({
    linkTtlSeconds: 172_800,
    onDemandLinkTtlSeconds: 604_800,
    jobRetentionSeconds: 259_200,
  });
  let processes: ExportProcesses;
  let repos: PrivacyRequestRepository[];
  let first: PrivacyRequestRepository;

  beforeAll(async () => {
    processes = await startExportProcesses(url, 6, { storage: new MemoryStorage(), clock, retention });
    repos = processes.connections.map((c) => new PrivacyRequestRepository(c));
    first = repos[0] as PrivacyRequestRepository;
    await first.onModuleInit();
  }, 60_000);

  afterAll(async () => {
    await processes?.close();
  });

  function workers(peers: PrivacyPeers, storage: ReadingStorage) {
    return repos.map((repo, i) => {
      const [jobs, exportJobs] = [processes.repos[i], processes.services[i]] as [ExportJobRepository, ExportJobsService];
      const files = new ExportFilesEraser(env, jobs, exportJobs, storage, clock);
      return new PrivacyWorker(env, repo, peers, files, storage, clock);
    });
  }
  const service = (storage: ReadingStorage) => new PrivacyRequestsService(env, first, storage, clock, retention);

  /** Polls with every worker at once until every request has ended. */
  async function runAll(all: PrivacyWorker[], ids: { appId: string; id: string }[]) {
    for (let round = 0; round < 100; round++) {
      await Promise.all(all.map((worker) => worker.poll()));
      const ends = await Promise.all(ids.map(({ appId, id }) => first.findEnd(appId, id)));
      if (ends.every(Boolean)) return;
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    throw new Error('the requests did not all end');
  }

  it("runs each service's erasure once per request and each export once when six workers poll at once", async () => {
    const appId = `app-${randomBytes(3).toString('hex')}`;
    const peers = new CountingPeers();
    const storage = new ReadingStorage();
    const requests = service(storage);
    const erasures = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        requests.create('erasure', { appId, userId: `user-${i}`, suppress: i % 2 === 0, requestedBy: 'key1' }),
      ),
    );
    const exports = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        requests.create('export', { appId, userId: `reader-${i}`, suppress: false, requestedBy: 'key1' }),
      ),
    );
    await runAll(
      workers(peers, storage),
      [...erasures, ...exports].map((v) => ({ appId, id: v.request._id })),
    );

    for (const erasure of erasures) {
      expect(peers.calls.get(`ingestion:${erasure.request._id}`)).toBe(1);
      expect(peers.calls.get(`aggregation:${erasure.request._id}`)).toBe(1);
      const view = await requests.get(appId, erasure.request._id);
      expect(view).toMatchObject({ status: 'completed', userId: '' });
      expect(view.steps.map((s) => s.service).sort()).toEqual(['aggregation', 'export-job', 'ingestion']);
    }
    for (const [i, exported] of exports.entries()) {
      expect(peers.calls.get(`userData:reader-${i}`)).toBe(1);
      const view = await requests.get(appId, exported.request._id);
      expect(view).toMatchObject({ status: 'completed', userId: `reader-${i}` });
      expect(view.steps[0]?.counts).toEqual([
        { name: 'profiles', count: 1 },
        { name: 'companies', count: 0 },
        { name: 'calls', count: 2 },
      ]);
      const document = JSON.parse(storage.uploads.get(`apps/${appId}/privacy/${exported.request._id}/user-data.json`) ?? '');
      expect(document).toMatchObject({ user_id: `reader-${i}`, profile: { user_id: `reader-${i}` }, calls: [{}, {}] });
    }
    expect(await first.openRequests(100)).toEqual([]);
  }, 60_000);

  it('retries a step that failed, shows its error meanwhile, and confirms it once', async () => {
    const appId = `app-${randomBytes(3).toString('hex')}`;
    const peers = new CountingPeers(2);
    const storage = new ReadingStorage();
    const requests = service(storage);
    const erasure = await requests.create('erasure', { appId, userId: 'flaky', suppress: false, requestedBy: 'key1' });
    const worker = workers(peers, storage)[0] as PrivacyWorker;
    await worker.poll();
    expect(await requests.get(appId, erasure.request._id)).toMatchObject({
      status: 'in_progress',
      error: expect.stringContaining('UNAVAILABLE'),
    });
    await runAll([worker], [{ appId, id: erasure.request._id }]);
    const view = await requests.get(appId, erasure.request._id);
    expect(view).toMatchObject({ status: 'completed', error: '' });
    expect(peers.calls.get(`ingestion:${erasure.request._id}`)).toBe(3);
    expect(view.steps.find((s) => s.service === 'ingestion')?.counts).toEqual([{ name: 'ingestion_records', count: 3 }]);
  }, 60_000);

  it('forgets the user of an ended export once the erasure of that user has completed', async () => {
    const appId = `app-${randomBytes(3).toString('hex')}`;
    const storage = new ReadingStorage();
    const requests = service(storage);
    const worker = workers(new CountingPeers(), storage)[0] as PrivacyWorker;
    const exported = await requests.create('export', { appId, userId: 'ada', suppress: false, requestedBy: 'key1' });
    await runAll([worker], [{ appId, id: exported.request._id }]);
    expect((await requests.get(appId, exported.request._id)).downloadUrl).not.toBe('');
    const erasure = await requests.create('erasure', { appId, userId: 'ada', suppress: false, requestedBy: 'key2' });
    await runAll([worker], [{ appId, id: erasure.request._id }]);
    const log = await requests.list(appId);
    expect(log.map((v) => [v.request.type, v.userId, v.downloadUrl])).toEqual([
      ['erasure', '', ''],
      ['export', '', ''],
    ]);
    expect(new Set(log.map((v) => v.request.userHash)).size).toBe(1);
    expect(storage.deleted).toContain(`apps/${appId}/privacy/${exported.request._id}/user-data.json`);
  }, 60_000);
});
