import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { PartitionClaim, PartitionQueueRepository, PartitionRecord } from './partition-queue.repository';

/** Six clients of one database, as six export-job processes would be. */
const PROCESSES = 6;
const APP = 'app1';

function partitions(jobId: string, count: number): PartitionRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    _id: `${jobId}:p${String(index).padStart(2, '0')}`,
    appId: APP,
    jobId,
    jobCreatedAt: new Date('2026-03-01T09:00:00Z'),
    index,
    key: `p${String(index).padStart(2, '0')}`,
    dataType: 'events',
    fromDay: '2026-01-01',
    toDay: '2026-01-31',
    status: 'pending',
    leaseUntil: new Date(0),
    attempts: 0,
    startedAt: null,
    lastError: null,
  }));
}

const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

describe(PartitionQueueRepository.name, () => {
  let connections: Connection[];
  let repos: PartitionQueueRepository[];
  const now = new Date('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    const url = testMongoUrl('export_queue');
    connections = await Promise.all(
      Array.from({ length: PROCESSES }, () => mongoose.createConnection(url, { autoIndex: false }).asPromise()),
    );
    repos = connections.map((c) => new PartitionQueueRepository(c));
    await (repos[0] as PartitionQueueRepository).onModuleInit();
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });

  // The queue spans every job, so each test starts from an empty one.
  beforeEach(async () => {
    const connection = connections[0] as Connection;
    await Promise.all(
      ['export_partitions', 'export_partition_attempts'].map((name) => connection.collection(name).deleteMany({})),
    );
  });

  const first = () => repos[0] as PartitionQueueRepository;

  it('claims each partition once when six processes with two workers each claim 20 partitions at once', async () => {
    const planned = partitions('job-claims', 20);
    await first().insertPartitions(planned);
    const claims: PartitionClaim[] = [];
    await Promise.all(
      repos.flatMap((repo, p) =>
        [0, 1].map(async (w) => {
          for (;;) {
            const claim = await repo.claimPartition(`process${p}-worker${w}`, now, 60_000);
            if (!claim) return;
            claims.push(claim);
          }
        }),
      ),
    );
    expect(claims.map((c) => c.partition._id).sort()).toEqual(planned.map((p) => p._id));
    expect(claims.map((c) => c.attempt)).toEqual(planned.map(() => 1));
  });

  it('numbers the attempts of a partition retried by six processes at once 1..n, none repeated or lost', async () => {
    await first().insertPartitions(partitions('job-retries', 1));
    const attempts: number[] = [];
    await Promise.all(
      repos.map(async (repo, p) => {
        while (attempts.length < 30) {
          const claim = await repo.claimPartition(`process${p}`, now, 60_000);
          if (!claim) {
            await yieldToOthers(); // another process holds the current attempt
            continue;
          }
          attempts.push(claim.attempt);
          await repo.settleAttempt(claim, 'retry', now, { error: 'S3 upload failed', retryAt: now });
        }
      }),
    );
    expect([...attempts].sort((a, b) => a - b)).toEqual(attempts.map((_, i) => i + 1));
    const [stored] = await first().listPartitions(APP, 'job-retries');
    expect(stored).toMatchObject({ status: 'pending', attempts: attempts.length, lastError: 'S3 upload failed' });
  });

  it('hands a partition whose lease ran out to the next attempt, and tells the old holder its heartbeat failed', async () => {
    const [planned] = partitions('job-lease', 1) as [PartitionRecord];
    await first().insertPartitions([planned]);
    const old = (await first().claimPartition('dead', now, 1_000)) as PartitionClaim;
    expect(await repos[1]?.claimPartition('early', new Date(now.getTime() + 999), 1_000)).toBeNull();
    const next = (await repos[1]?.claimPartition('next', new Date(now.getTime() + 1_000), 1_000)) as PartitionClaim;
    expect(next).toMatchObject({ attempt: 2, owner: 'next' });
    expect(await first().heartbeat(old, new Date(now.getTime() + 5_000))).toBe(false);
    expect(await repos[1]?.heartbeat(next, new Date(now.getTime() + 5_000))).toBe(true);
  });

  it('claims pending partitions and running ones whose lease ran out oldest job first, and no others', async () => {
    const job = (jobId: string, createdAt: string, statuses: PartitionRecord['status'][], leaseUntil = new Date(0)) =>
      partitions(jobId, statuses.length).map((p, i) => ({
        ...p,
        jobCreatedAt: new Date(createdAt),
        status: statuses[i] as PartitionRecord['status'],
        leaseUntil,
      }));
    await first().insertPartitions([
      ...job('job-new', '2026-03-01T09:30:00Z', ['pending', 'running', 'done']),
      ...job('job-old', '2026-03-01T08:00:00Z', ['running', 'done', 'pending', 'failed', 'cancelled']),
      ...job('job-held', '2026-03-01T07:00:00Z', ['running', 'pending'], new Date(now.getTime() + 1)),
    ]);
    const claimed: string[] = [];
    for (;;) {
      const claim = await first().claimPartition('worker', now, 60_000);
      if (!claim) break;
      claimed.push(claim.partition._id);
    }
    expect(claimed).toEqual(['job-old:p00', 'job-old:p02', 'job-new:p00', 'job-new:p01']);
  });

  it("shares the workers between apps: another app's small export is claimed beside a big one queued first", async () => {
    const of = (appId: string, jobId: string, count: number, createdAt: string) =>
      partitions(jobId, count).map((p) => ({ ...p, _id: `${appId}:${p._id}`, appId, jobCreatedAt: new Date(createdAt) }));
    await first().insertPartitions([
      ...of('app-big', 'job-big', 12, '2026-03-01T08:00:00Z'),
      ...of('app-small', 'job-small', 2, '2026-03-01T09:00:00Z'),
      ...of('app-tiny', 'job-tiny', 1, '2026-03-01T09:30:00Z'),
    ]);
    // A process of its own (its round-robin memory starts empty), two workers: claims while others run...
    const repo = new PartitionQueueRepository(connections[1] as Connection);
    const running = [
      (await repo.claimPartition('w1', now, 60_000)) as PartitionClaim,
      (await repo.claimPartition('w2', now, 60_000)) as PartitionClaim,
    ];
    expect(running.map((c) => c.partition.appId)).toEqual(['app-big', 'app-small']);
    // ...and each worker that finishes claims for the app running the fewest, served least recently.
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      const done = running.shift() as PartitionClaim;
      await repo.settleAttempt(done, 'done', now);
      const next = (await repo.claimPartition(done.owner, now, 60_000)) as PartitionClaim;
      order.push(next.partition._id);
      running.push(next);
    }
    expect(order).toEqual([
      'app-tiny:job-tiny:p00',
      'app-big:job-big:p01',
      'app-small:job-small:p01',
      'app-big:job-big:p02',
      'app-big:job-big:p03',
      'app-big:job-big:p04',
      'app-big:job-big:p05',
      'app-big:job-big:p06',
    ]);
  });

  it('keeps every result when heartbeats race the completion of their attempts', async () => {
    const planned = partitions('job-beats', 20);
    await first().insertPartitions(planned);
    const claims: PartitionClaim[] = [];
    for (;;) {
      const claim = await first().claimPartition('worker', now, 60_000);
      if (!claim) break;
      claims.push(claim);
    }
    const later = new Date(now.getTime() + 30_000);
    await Promise.all(
      claims.map(async (claim, i) => {
        const repo = repos[i % PROCESSES] as PartitionQueueRepository;
        const { partition, attempt } = claim;
        const file = {
          partition: partition.key,
          filename: `${partition.key}.csv.gz`,
          key: `k/${partition.key}`,
          rows: i,
          bytes: 1,
          sha256: 'x',
        };
        await Promise.all([
          repo.heartbeat(claim, later),
          repo.heartbeat(claim, later),
          (async () => {
            await repo.insertResult({
              _id: partition._id,
              appId: APP,
              jobId: partition.jobId,
              index: partition.index,
              attempt,
              file,
              at: now,
            });
            await repo.settleAttempt(claim, 'done', now);
          })(),
        ]);
      }),
    );
    const results = await first().listResults(APP, 'job-beats');
    expect(results.map((r) => [r.file.partition, r.file.rows])).toEqual(planned.map((p, i) => [p.key, i]));
  });
});
