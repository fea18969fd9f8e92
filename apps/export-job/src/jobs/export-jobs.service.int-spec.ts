import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import { Connection } from 'mongoose';
import { PartitionClaim, PartitionQueueRepository } from '../queue/partition-queue.repository';
import { ExportProcesses, exportRequest, MemoryStorage, startExportProcesses } from '../testing/export-processes';
import { ExportJobRepository } from './export-job.repository';
import { ExportAlreadyRunning, ExportJobNotCancellable, ExportJobNotFound } from './export-jobs.errors';
import { ExportJobsService } from './export-jobs.service';
import { ExportApi, RetentionPolicy } from './retention';

/** Six clients of one database, as six export-job processes would be. */
const PROCESSES = 6;

const input = (fromDay: string, toDay: string, api: ExportApi = 'bulk') => exportRequest({ api, fromDay, toDay });

describe(ExportJobsService.name, () => {
  let processes: ExportProcesses;
  let connections: Connection[];
  const storage = new MemoryStorage();
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const retention = new RetentionPolicy({ linkTtlSeconds: 172_800, jobRetentionSeconds: 259_200 });

  beforeAll(async () => {
    processes = await startExportProcesses(testMongoUrl('export_jobs'), PROCESSES, { storage, clock, retention });
    connections = processes.connections;
  });

  afterAll(() => processes.close());

  // The worker queue spans every job, so each test starts from an empty one.
  beforeEach(async () => {
    const connection = connections[0] as Connection;
    await Promise.all(
      ['export_partitions', 'export_partition_attempts'].map((name) => connection.collection(name).deleteMany({})),
    );
    storage.puts = [];
    storage.down = false;
  });

  const service = (i: number) => processes.services[i % PROCESSES] as ExportJobsService;
  const repo = (i: number) => processes.repos[i % PROCESSES] as ExportJobRepository;
  const queue = (i: number) => processes.queues[i % PROCESSES] as PartitionQueueRepository;

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
    await queue(p).insertResult({
      _id: partition._id,
      appId: partition.appId,
      jobId: partition.jobId,
      index: partition.index,
      attempt,
      file,
      at: clock.now(),
    });
    await queue(p).settleAttempt(claim, 'done', clock.now());
  };
  const claimAll = async (): Promise<PartitionClaim[]> => {
    const claims: PartitionClaim[] = [];
    for (;;) {
      const claim = await queue(0).claimPartition('worker', clock.now(), 60_000);
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
            const claim = await queue(w).claimPartition(`worker${w}`, clock.now(), 60_000);
            if (!claim) return;
            await appendResult(w, claim);
          }
        }),
      );
      const completions = await Promise.all(workers.map((w) => service(w).finishIfComplete('app-complete', jobId)));

      expect(completions.filter(Boolean)).toHaveLength(1);
      const job = await service(1).get('app-complete', jobId, 'bulk');
      expect(job.status).toBe('completed');
      expect(job.completedPartitions).toEqual(created.job.partitionKeys);
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
            .cancel(appId, jobId, 'bulk')
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
        const view = await service(1).get(appId, jobId, 'bulk');
        const end = await repo(2).findEnd(appId, jobId);
        expect(view.status).toBe(completed.length > 0 ? 'completed' : 'cancelled');
        expect(end?.notifyPending).toBe(completed.length > 0);
      }),
    );
  });

  it('keeps a cancel: partitions finishing afterwards and six recovery checks leave the job cancelled, with no hand-off', async () => {
    const created = await service(0).create('app-sticky', input('2026-01-01', '2026-03-31'));
    const claims = (await claimAll()).filter((c) => c.partition.appId === 'app-sticky');
    expect(claims).toHaveLength(3);
    await appendResult(0, claims[0] as PartitionClaim);
    expect((await service(1).cancel('app-sticky', created.job._id, 'bulk')).status).toBe('cancelled');

    // The other two holders finish after the cancel, as workers that had not heard of it yet would.
    await Promise.all(claims.slice(1).map((claim, i) => appendResult(i + 1, claim)));
    expect(await Promise.all(processes.services.map((s) => s.finishIfComplete('app-sticky', created.job._id)))).toEqual(
      processes.services.map(() => false),
    );
    await Promise.all(processes.services.map((s) => s.recover(5)));
    const view = await service(2).get('app-sticky', created.job._id, 'bulk');
    expect(view).toMatchObject({ status: 'cancelled', files: [], manifestUrl: '' });
    expect(await repo(3).findEnd('app-sticky', created.job._id)).toMatchObject({ status: 'cancelled', notifyPending: false });
    // The app's Bulk API slot is free again.
    await expect(service(4).create('app-sticky', input('2026-01-01', '2026-01-31'))).resolves.toBeDefined();
  });

  it('starts exactly one job when six processes create an export for the same app at once', async () => {
    for (let round = 0; round < 10; round++) {
      const outcomes = await Promise.all(
        processes.services.map((s) =>
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
      await service(round).cancel('app-one', started[0] as string, 'bulk');
    }
    expect(await service(0).list('app-one', 'bulk')).toHaveLength(10);
  });

  it('queues on-demand jobs: six processes creating them for one app at once all start, none takes the Bulk API slot, and they are claimed in creation order', async () => {
    const created = await Promise.all(
      processes.services.map((s) => s.create('app-queue', input('2026-01-20', '2026-02-10', 'on_demand'))),
    );
    expect(created.map((v) => v.status)).toEqual(created.map(() => 'pending'));
    const bulk = await service(0).create('app-queue', input('2026-01-01', '2026-01-31'));
    await expect(service(1).create('app-queue', input('2026-01-01', '2026-01-31'))).rejects.toBeInstanceOf(ExportAlreadyRunning);
    await expect(service(2).create('app-queue', input('2026-01-01', '2026-01-31', 'on_demand'))).resolves.toBeDefined();

    // Created one after another: the app's queue hands out the older job's partitions first.
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1);
      queued.push((await service(i).create('app-queue-order', input('2026-01-20', '2026-02-10', 'on_demand'))).job._id);
    }
    const claims = (await claimAll()).filter((c) => c.partition.appId === 'app-queue-order');
    expect(claims.map((c) => c.partition.jobId)).toEqual(queued.flatMap((id) => [id, id]));
    expect(claims.map((c) => c.partition.key)).toEqual(queued.flatMap(() => ['2026-01-01', '2026-02-01']));
    await service(0).cancel('app-queue', bulk.job._id, 'bulk');
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

  it('counts every failed attempt at writing the manifest when the recovery checks of six processes fail at once', async () => {
    const created = await service(0).create('app-recover', input('2026-01-01', '2026-01-31'));
    const [claim] = await claimAll();
    await appendResult(0, claim as PartitionClaim);
    storage.down = true;
    await expect(service(0).finishIfComplete('app-recover', created.job._id)).rejects.toThrow('ECONNREFUSED');

    const maxAttempts = PROCESSES * 2;
    for (let round = 0; round < 2; round++) await Promise.all(processes.services.map((s) => s.recover(maxAttempts)));
    const job = await service(1).get('app-recover', created.job._id, 'bulk');
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^writing the manifest failed: S3 upload failed: .*\(gave up after 12 attempts\)$/);
    expect((await repo(2).findEnd('app-recover', created.job._id))?.notifyPending).toBe(true);
  });

  it.each<ExportApi>(['bulk', 'on_demand'])(
    'plans the partitions of a %s job whose create died half-way, once its slot is old enough',
    async (api) => {
      const created = await service(0).create(`app-half-${api}`, input('2026-01-20', '2026-02-10', api));
      await (connections[0] as Connection).collection('export_partitions').deleteMany({ jobId: created.job._id });
      await Promise.all(processes.services.map((s) => s.recover(5)));
      expect(await queue(0).listPartitions(`app-half-${api}`, created.job._id)).toHaveLength(0);
      clock.advance(61_000);
      await Promise.all(processes.services.map((s) => s.recover(5)));
      expect((await queue(0).listPartitions(`app-half-${api}`, created.job._id)).map((p) => p.key)).toEqual(
        created.job.partitionKeys,
      );
    },
  );
});
