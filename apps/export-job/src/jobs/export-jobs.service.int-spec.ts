import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { ExportStorage } from '../storage/export-storage';
import { ExportJobRepository, PartitionClaim } from './export-job.repository';
import { ExportAlreadyRunning, ExportJobNotCancellable, ExportJobNotFound } from './export-jobs.errors';
import { CreateExportInput, DEFAULT_BULK_EVENT_TYPES, ExportJobsService } from './export-jobs.service';
import { RetentionPolicy } from './retention';

/** Six clients of one database, as six export-job processes would be. */
const PROCESSES = 6;

/** The bucket, in memory: what was written where, and an outage switch. */
class MemoryStorage extends ExportStorage {
  puts: { key: string; body: string }[] = [];
  down = false;
  upload(): Promise<void> {
    return Promise.resolve();
  }
  put(key: string, body: string): Promise<void> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    this.puts.push({ key, body });
    return Promise.resolve();
  }
  presign(key: string): Promise<string> {
    return Promise.resolve(`https://s3.example/${key}?X-Amz-Signature=x`);
  }
  deletePrefix(): Promise<number> {
    return Promise.resolve(0);
  }
}

function input(fromDay: string, toDay: string, api = 'bulk'): CreateExportInput {
  return {
    api,
    datasets: ['events'],
    format: 'csv',
    fromDay,
    toDay,
    eventTypes: [],
    userIds: [],
    companyIds: [],
    segmentId: '',
    history: '',
    exclusions: false,
    emails: ['ana@example.com'],
    filters: [],
  };
}

describe(ExportJobsService.name, () => {
  let connections: Connection[];
  let repos: ExportJobRepository[];
  let services: ExportJobsService[];
  const storage = new MemoryStorage();
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const retention = new RetentionPolicy({ linkTtlSeconds: 172_800, jobRetentionSeconds: 259_200, fileRetentionSeconds: 604_800 });

  beforeAll(async () => {
    const url = testMongoUrl('export_jobs');
    connections = await Promise.all(
      Array.from({ length: PROCESSES }, () => mongoose.createConnection(url, { autoIndex: false }).asPromise()),
    );
    repos = connections.map((c) => new ExportJobRepository(c));
    await (repos[0] as ExportJobRepository).onModuleInit();
    services = repos.map((repo) => new ExportJobsService(repo, storage, clock, retention));
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });

  // The worker queue spans every job, so each test starts from an empty one.
  beforeEach(async () => {
    const connection = connections[0] as Connection;
    await Promise.all(
      ['export_partitions', 'export_partition_attempts'].map((name) => connection.collection(name).deleteMany({})),
    );
    storage.puts = [];
    storage.down = false;
  });

  const service = (i: number) => services[i % PROCESSES] as ExportJobsService;
  const repo = (i: number) => repos[i % PROCESSES] as ExportJobRepository;

  /** What a worker does once its partition's file is uploaded: append the result and settle its attempt. */
  const appendResult = async (p: number, claim: PartitionClaim): Promise<void> => {
    const { partition, attempt } = claim;
    const file = {
      partition: partition.key,
      filename: `${partition.key}.csv.gz`,
      key: `apps/${partition.appId}/exports/${partition.jobId}/${partition.key}.csv.gz`,
      rows: partition.index + 1,
      bytes: 100 + partition.index,
      sha256: `sha-${partition.key}`,
    };
    await repo(p).insertResult({
      _id: partition._id,
      appId: partition.appId,
      jobId: partition.jobId,
      index: partition.index,
      attempt,
      file,
      at: clock.now(),
    });
    await repo(p).settleAttempt(claim, 'done', clock.now());
  };
  const claimAll = async (): Promise<PartitionClaim[]> => {
    const claims: PartitionClaim[] = [];
    for (;;) {
      const claim = await repo(0).claimPartition('worker', clock.now(), 60_000);
      if (!claim) return claims;
      claims.push(claim);
    }
  };

  it.each([1, 2, 3])(
    'completes job %i once when six processes with four workers each finish its 24 partitions at once',
    async (n) => {
      const created = await service(n).create('app-complete', input('2024-01-01', '2025-12-31'));
      const jobId = created.job._id;
      expect(created.job.partitionKeys).toHaveLength(24);

      // The 24 workers claim the partitions and append their results; then all of them look at once whether
      // the job is complete (each of them sees 24 results), as workers ending their partitions together do.
      const workers = Array.from({ length: PROCESSES * 4 }, (_, w) => w);
      await Promise.all(
        workers.map(async (w) => {
          for (;;) {
            const claim = await repo(w).claimPartition(`worker${w}`, clock.now(), 60_000);
            if (!claim) return;
            await appendResult(w, claim);
          }
        }),
      );
      const completions = await Promise.all(workers.map((w) => service(w).finishIfComplete('app-complete', jobId)));

      expect(completions.filter(Boolean)).toHaveLength(1);
      const job = await service(1).get('app-complete', jobId);
      expect(job.status).toBe('completed');
      expect(job.completedChunks).toEqual(created.job.partitionKeys);
      expect(job.files.map((f) => f.partition)).toEqual(created.job.partitionKeys);
      expect(job.files.reduce((sum, f) => sum + f.rows, 0)).toBe((24 * 25) / 2);
      const end = await repo(2).findEnd('app-complete', jobId);
      expect(end).toMatchObject({ status: 'completed', notifyPending: true, notifyAttempts: 0 });
      // Every finisher that wrote the manifest wrote the same bytes, listing each file once.
      const manifests = storage.puts.filter((p) => p.key.endsWith(`${jobId}/manifest.json`));
      expect(new Set(manifests.map((m) => m.body)).size).toBe(1);
      const manifest = JSON.parse((manifests[0] as { body: string }).body) as { files: { partition: string }[] };
      expect(manifest.files.map((f) => f.partition)).toEqual(created.job.partitionKeys);
    },
  );

  it('lets exactly one of three cancels and three completions racing on the same job win, and hands off only a completion', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => service(i).create(`app-race-${i}`, input('2026-01-01', '2026-01-31'))),
    );
    const claims = await claimAll();
    expect(claims).toHaveLength(20);
    await Promise.all(claims.map((claim, i) => appendResult(i, claim)));

    await Promise.all(
      claims.map(async (claim) => {
        const { appId, jobId } = claim.partition;
        const cancel = (p: number) =>
          service(p)
            .cancel(appId, jobId)
            .then(
              (view) => view.status === 'cancelled',
              (error: unknown) => {
                if (error instanceof ExportJobNotCancellable) return false;
                throw error;
              },
            );
        const outcomes = await Promise.all([
          cancel(0),
          cancel(1),
          cancel(2),
          ...[3, 4, 5].map((p) => service(p).finishIfComplete(appId, jobId)),
        ]);
        const cancelled = outcomes.slice(0, 3);
        const completed = outcomes.slice(3).filter(Boolean);
        // Either the job was completed by one of the three, and every cancel was refused...
        if (completed.length > 0)
          expect({ completed, cancelled }).toEqual({ completed: [true], cancelled: [false, false, false] });
        // ...or it was cancelled, and every cancel says so.
        else expect(cancelled).toEqual([true, true, true]);
        const view = await service(1).get(appId, jobId);
        const end = await repo(2).findEnd(appId, jobId);
        expect(view.status).toBe(completed.length > 0 ? 'completed' : 'cancelled');
        expect(end?.notifyPending).toBe(completed.length > 0);
      }),
    );
  });

  it('starts exactly one job when six processes create an export for the same app at once', async () => {
    for (let round = 0; round < 10; round++) {
      const outcomes = await Promise.all(
        services.map((s) =>
          s.create('app-one', input('2024-01-01', '2025-12-31')).then(
            (view) => view.job._id,
            (error: unknown) => {
              if (error instanceof ExportAlreadyRunning) return null;
              throw error;
            },
          ),
        ),
      );
      const started = outcomes.filter((id): id is string => id !== null);
      expect(started).toHaveLength(1);
      // The job ends (cancelled here): the app may start the next one.
      await service(round).cancel('app-one', started[0] as string);
    }
    expect(await service(0).list('app-one', '')).toHaveLength(10);
  });

  it('queues on-demand jobs: six processes creating them for one app at once all start, none takes the Bulk API slot, and they are claimed in creation order', async () => {
    const created = await Promise.all(services.map((s) => s.create('app-queue', input('2026-01-01', '2026-02-28', 'on_demand'))));
    expect(created.map((v) => v.status)).toEqual(created.map(() => 'pending'));
    const bulk = await service(0).create('app-queue', input('2026-01-01', '2026-01-31'));
    await expect(service(1).create('app-queue', input('2026-01-01', '2026-01-31'))).rejects.toBeInstanceOf(ExportAlreadyRunning);
    await expect(service(2).create('app-queue', input('2026-01-01', '2026-01-31', 'on_demand'))).resolves.toBeDefined();

    // Created one after another: the app's queue hands out the older job's partitions first.
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1);
      queued.push((await service(i).create('app-queue-order', input('2026-01-01', '2026-02-28', 'on_demand'))).job._id);
    }
    const claims = (await claimAll()).filter((c) => c.partition.appId === 'app-queue-order');
    expect(claims.map((c) => c.partition.jobId)).toEqual(queued.flatMap((id) => [id, id]));
    expect(claims.map((c) => c.partition.key)).toEqual(queued.flatMap(() => ['2026-01-01', '2026-02-01']));
    await service(0).cancel('app-queue', bulk.job._id);
  });

  it("answers not found for another API's job: each API reads, lists and cancels only its own", async () => {
    const bulk = (await service(0).create('app-apis', input('2026-01-01', '2026-01-31'))).job._id;
    const onDemand = (await service(1).create('app-apis', input('2026-01-01', '2026-01-31', 'on_demand'))).job._id;
    await expect(service(2).get('app-apis', onDemand, 'bulk')).rejects.toBeInstanceOf(ExportJobNotFound);
    await expect(service(3).get('app-apis', bulk, 'on_demand')).rejects.toBeInstanceOf(ExportJobNotFound);
    await expect(service(4).cancel('app-apis', bulk, 'on_demand')).rejects.toBeInstanceOf(ExportJobNotFound);
    await expect(service(5).cancel('app-apis', onDemand, 'bulk')).rejects.toBeInstanceOf(ExportJobNotFound);
    expect((await service(0).get('app-apis', bulk, 'bulk')).status).toBe('pending');
    expect((await service(0).get('app-apis', onDemand, 'on_demand')).status).toBe('pending');
    expect((await service(1).list('app-apis', 'bulk')).map((v) => v.job._id)).toEqual([bulk]);
    expect((await service(1).list('app-apis', 'on_demand')).map((v) => v.job._id)).toEqual([onDemand]);
    expect((await service(2).cancel('app-apis', onDemand, 'on_demand')).status).toBe('cancelled');
    expect((await service(2).cancel('app-apis', bulk, 'bulk')).status).toBe('cancelled');
  });

  it('gives a Bulk API job without event types the six of seed 002 plus feedback', async () => {
    const bulk = await service(0).create('app-types', input('2026-01-01', '2026-01-31'));
    expect(bulk.job.eventTypes).toEqual(DEFAULT_BULK_EVENT_TYPES);
    expect(DEFAULT_BULK_EVENT_TYPES).toEqual([
      'identify_user',
      'identify_company',
      'page_view',
      'track',
      'track_feature',
      'interaction',
      'feedback',
    ]);
    const onDemand = await service(0).create('app-types', input('2026-01-01', '2026-01-31', 'on_demand'));
    expect(onDemand.job.eventTypes).toEqual([]);
    await service(0).cancel('app-types', bulk.job._id);
  });

  it('counts every failed attempt at writing the manifest when the recovery checks of six processes fail at once', async () => {
    const created = await service(0).create('app-recover', input('2026-01-01', '2026-01-31'));
    const [claim] = await claimAll();
    await appendResult(0, claim as PartitionClaim);
    storage.down = true;
    await expect(service(0).finishIfComplete('app-recover', created.job._id)).rejects.toThrow('ECONNREFUSED');

    const maxAttempts = PROCESSES * 2;
    for (let round = 0; round < 2; round++) await Promise.all(services.map((s) => s.recover(maxAttempts)));
    const job = await service(1).get('app-recover', created.job._id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^writing the manifest failed: S3 upload failed: .*\(gave up after 12 attempts\)$/);
    expect((await repo(2).findEnd('app-recover', created.job._id))?.notifyPending).toBe(true);
  });

  it.each(['bulk', 'on_demand'])(
    'plans the partitions of a %s job whose create died half-way, once its slot is old enough',
    async (api) => {
      const created = await service(0).create(`app-half-${api}`, input('2026-01-01', '2026-03-31', api));
      await (connections[0] as Connection).collection('export_partitions').deleteMany({ jobId: created.job._id });
      await Promise.all(services.map((s) => s.recover(5)));
      expect(await repo(0).listPartitions(`app-half-${api}`, created.job._id)).toHaveLength(0);
      clock.advance(61_000);
      await Promise.all(services.map((s) => s.recover(5)));
      expect((await repo(0).listPartitions(`app-half-${api}`, created.job._id)).map((p) => p.key)).toEqual(
        created.job.partitionKeys,
      );
    },
  );
});
