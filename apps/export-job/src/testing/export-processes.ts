import { Clock } from '@exportd/runtime';
import mongoose, { Connection } from 'mongoose';
import { Readable } from 'node:stream';
import { ExportJobRepository } from '../jobs/export-job.repository';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { AppRetention, ExportPreconditions } from '../jobs/export-preconditions';
import { ExportRequest, exportRequestOf } from '../jobs/export-request';
import { RetentionPolicy } from '../jobs/retention';
import { PartitionQueueRepository } from '../queue/partition-queue.repository';
import { ExportStorage } from '../storage/export-storage';

/*
 * What export-job's integration tests share: several processes on one real database. The bucket and the
 * other services are stood in for, since what these tests check is how jobs are stored when processes race
 * (the gateway's end-to-end tests run the real services and S3).
 */

/** Every app on an export plan, every segment and filter valid. */
export class OpenPreconditions extends ExportPreconditions {
  assertPlanIncludesExports(): Promise<void> {
    return Promise.resolve();
  }
  assertPlanIncludesAutomaticExports(): Promise<void> {
    return Promise.resolve();
  }
  assertSegmentExists(): Promise<void> {
    return Promise.resolve();
  }
  assertFilterValid(): Promise<void> {
    return Promise.resolve();
  }
  dimensionTables(): Promise<ReadonlyMap<string, readonly string[]>> {
    return Promise.resolve(new Map());
  }
  /** The defaults, or what a test set for an app. */
  retentions = new Map<string, AppRetention>();
  retention(appId: string): Promise<AppRetention> {
    return Promise.resolve(
      this.retentions.get(appId) ?? {
        rawEventsDays: 90,
        aggregatesDays: 730,
        exportFilesDays: 7,
        rawEventsDeletedBefore: '',
        aggregatesDeletedBefore: '',
      },
    );
  }
}

/** The bucket, in memory: what was written and deleted, and an outage switch. */
export class MemoryStorage extends ExportStorage {
  puts: { key: string; body: string }[] = [];
  deleted: string[] = [];
  down = false;
  upload(_key?: string, _body?: Readable): Promise<void> {
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
  deletePrefix(prefix: string): Promise<number> {
    this.deleted.push(prefix);
    return Promise.resolve(1);
  }
  read(key: string): Promise<Readable> {
    const put = this.puts.find((p) => p.key === key);
    return put ? Promise.resolve(Readable.from([put.body])) : Promise.reject(new Error(`NoSuchKey ${key}`));
  }
}

export interface ExportProcesses {
  connections: Connection[];
  repos: ExportJobRepository[];
  queues: PartitionQueueRepository[];
  services: ExportJobsService[];
  close(): Promise<void>;
}

/** `count` export-job processes (a connection, repositories and a service each) on the database at `url`. */
export async function startExportProcesses(
  url: string,
  count: number,
  deps: { storage: ExportStorage; clock: Clock; retention: RetentionPolicy },
): Promise<ExportProcesses> {
  const connections = await Promise.all(
    Array.from({ length: count }, () => mongoose.createConnection(url, { autoIndex: false }).asPromise()),
  );
  const repos = connections.map((c) => new ExportJobRepository(c));
  const queues = connections.map((c) => new PartitionQueueRepository(c));
  await (repos[0] as ExportJobRepository).onModuleInit();
  await (queues[0] as PartitionQueueRepository).onModuleInit();
  const services = repos.map(
    (repo, i) =>
      new ExportJobsService(
        repo,
        queues[i] as PartitionQueueRepository,
        new OpenPreconditions(),
        deps.storage,
        deps.clock,
        deps.retention,
      ),
  );
  return {
    connections,
    repos,
    queues,
    services,
    close: () => Promise.all(connections.map((c) => c.close())).then(() => undefined),
  };
}

/** A CSV export of events, `fields` replacing the defaults. */
export function exportRequest(fields: Partial<ExportRequest>): ExportRequest {
  return exportRequestOf({
    api: 'bulk',
    dataTypes: ['events'],
    fromDay: '2026-01-01',
    toDay: '2026-01-31',
    emails: ['ana@example.com'],
    ...fields,
  });
}
