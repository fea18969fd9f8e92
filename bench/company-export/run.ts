/**
 * Company data export benchmark: seeds N companies x 20 features with six months of activity straight into
 * the raw collections, then downloads the 6-month weekly CSV through the gateway and prints rows/s and the
 * peak RSS (VmHWM) of the gateway and aggregation processes. `--grpc` also times aggregation's StreamRows
 * (DATA_TYPE_COMPANY_FEATURES) alone, read by this process.
 *
 * It also prints the CPU seconds each process spent during the download (FerretDB and PostgreSQL included), and
 * `--cpu-prof` writes the services' CPU profiles and prints where their time went.
 *
 *   node -r @swc-node/register bench/company-export/run.ts [--companies 10000] [--features 20] [--grpc] [--cpu-prof] [--keep]
 */
import { peakRssMb, startStandaloneStack } from '@exportd/local-stack';
import {
  CompanyAttributesDailyRecord,
  CompanyProfileRecord,
  CompanyUsageDaysCompleteRecord,
  companyUsageDaysId,
  CompanyUsageDaysRecord,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UsageDailyRecord,
  usageDayEntry,
} from '@exportd/records';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { Client } from 'pg';
import { analytics, rowFilter } from '@exportd/contracts';
import { createGrpcClient } from '@exportd/grpc';
import { cpuProfileFlags, nameProfiles, summarizeProfiles } from '../profile';
import { cpuUsedLine, stackCpuSeconds } from '../shared';

const DAY_MS = 86_400_000;
const INSERT_BATCH = 5_000;

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);

/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const companies = flag('companies', 10_000);
  const features = flag('features', 20);
  const dataDir = mkdtempSync(join(tmpdir(), 'exportd-bench-'));
  say(`data in ${dataDir}; ${companies} companies x ${features} features, six months`);

  const profileDir = process.argv.includes('--cpu-prof') ? join(dataDir, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const stack = await startStandaloneStack(dataDir, {}, { nodeFlags: profileDir ? cpuProfileFlags(profileDir) : [] });
  const { platform, mongo, mongoUrl, adminToken } = stack;
  const pids = new Map<number, string>();
  for (const [name, proc] of platform.processes) if (proc.child.pid) pids.set(proc.child.pid, name);

  try {
    const api = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${platform.gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const app = await api<{ id: string; apiKey: string }>('POST', '/admin/v1/apps', adminToken, {
      name: 'Bench',
      plan: 'enterprise',
    });
    const featureIds: string[] = [];
    for (let f = 0; f < features; f++) {
      featureIds.push(
        (await api<{ id: string }>('POST', '/api/v1/features', app.apiKey, { name: `Feature ${f}`, events: [`Event ${f}`] })).id,
      );
    }
    await api('POST', '/api/v1/segments', app.apiKey, { name: 'Big spenders', filter: 'monthly_spend >= 50' });
    await api('POST', '/api/v1/segments', app.apiKey, { name: 'Pro', filter: 'plan IN ["pro", "enterprise"]' });

    // Seed: every company is seen 190 days ago; each (company, feature) is used on 0..4 days spread over six
    // months (about 2 on average), with some heavier users; attributes twice; a feedback for a few.
    const seedStarted = Date.now();
    const connection = await mongoose.createConnection(mongoUrl).asPromise();
    const db = connection.db;
    if (!db) throw new Error('no database');
    const today = Math.floor(Date.now() / DAY_MS);
    const day = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
    const rand = random(42);
    const buffers = {
      [RAW_COLLECTIONS.companies]: [] as CompanyProfileRecord[],
      [RAW_COLLECTIONS.usageDaily]: [] as UsageDailyRecord[],
      [RAW_COLLECTIONS.companyUsageDays]: [] as CompanyUsageDaysRecord[],
      [RAW_COLLECTIONS.companyAttributesDaily]: [] as CompanyAttributesDailyRecord[],
      [RAW_COLLECTIONS.calls]: [] as TrackingCallRecord[],
    };
    const counts: Record<string, number> = {};
    const flush = async (force: boolean) => {
      for (const [name, docs] of Object.entries(buffers)) {
        if (docs.length >= INSERT_BATCH || (force && docs.length > 0)) {
          await db.collection(name).insertMany(docs.splice(0) as never[], { ordered: false });
        }
      }
    };
    const push = <K extends keyof typeof buffers>(name: K, doc: (typeof buffers)[K][number]) => {
      (buffers[name] as unknown[]).push(doc);
      counts[name] = (counts[name] ?? 0) + 1;
    };
    for (let c = 0; c < companies; c++) {
      const companyId = `company-${String(c).padStart(6, '0')}`;
      const firstSeen = today - 190;
      let lastActive = firstSeen;
      const heavy = rand() < 0.05;
      const usageDays: string[] = [];
      for (let f = 0; f < features; f++) {
        const uses = heavy ? 10 + Math.floor(rand() * 20) : Math.floor(rand() * 5);
        const days = new Set<number>();
        for (let u = 0; u < uses; u++) days.add(today - 1 - Math.floor(rand() * 185));
        for (const d of days) {
          lastActive = Math.max(lastActive, d);
          const event = `Event ${f}`;
          push(RAW_COLLECTIONS.usageDaily, {
            _id: `${app.id}|${companyId}|${event}|${day(d)}`,
            appId: app.id,
            companyId,
            event,
            day: day(d),
            count: 1 + Math.floor(rand() * 5),
          });
          usageDays.push(usageDayEntry(day(d), event));
        }
      }
      // As ingestion's projector keeps them beside the counters.
      push(RAW_COLLECTIONS.companyUsageDays, {
        _id: companyUsageDaysId(app.id, companyId),
        appId: app.id,
        companyId,
        days: usageDays,
      });
      const spend = Math.floor(rand() * 100);
      for (const [offset, values] of [
        [190, { name: `Company ${c}`, plan: 'free', monthly_spend: spend }],
        [60, { name: `Company ${c}`, plan: rand() < 0.5 ? 'pro' : 'free', monthly_spend: spend + 10 }],
      ] as const) {
        push(RAW_COLLECTIONS.companyAttributesDaily, {
          _id: `${app.id}|${companyId}|${day(today - offset)}`,
          appId: app.id,
          companyId,
          day: day(today - offset),
          attributes: JSON.stringify(values),
        });
      }
      if (rand() < 0.1) {
        const at = new Date((today - 1 - Math.floor(rand() * 100)) * DAY_MS + 3_600_000);
        push(RAW_COLLECTIONS.calls, {
          _id: `${app.id}:fb:${c}`,
          appId: app.id,
          type: 'feedback',
          companyId,
          featureId: featureIds[Math.floor(rand() * features)] as string,
          score: 1 + Math.floor(rand() * 5),
          attributes: '{}',
          active: true,
          timestamp: at,
          day: day(Math.floor(at.getTime() / DAY_MS)),
          receivedAt: at,
          companyIds: [companyId],
        });
      }
      push(RAW_COLLECTIONS.companies, {
        _id: `${app.id}:${companyId}`,
        appId: app.id,
        companyId,
        firstSeen: new Date(firstSeen * DAY_MS + 3_600_000),
        lastSeen: new Date(lastActive * DAY_MS + 3_600_000),
        attributes: { name: JSON.stringify(`Company ${c}`) },
        userIds: [],
        updatedAt: new Date(),
      });
      await flush(false);
    }
    await flush(true);
    await db
      .collection<CompanyUsageDaysCompleteRecord>(RAW_COLLECTIONS.companyUsageDaysComplete)
      .updateOne({ _id: app.id }, { $setOnInsert: { at: new Date() } }, { upsert: true });
    await connection.close();
    // PostgreSQL's planner needs statistics to pick the company id index over the app's for the per-company
    // reads; autovacuum gathers them some time after a bulk load, so gather them now.
    if (mongo.postgresUrl) {
      const pg = new Client({ connectionString: mongo.postgresUrl });
      await pg.connect();
      await pg.query('ANALYZE');
      await pg.end();
    }
    say(`seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);

    // The gRPC stream alone (aggregation -> this process), to tell the two hops apart.
    if (process.argv.includes('--grpc')) {
      const client = createGrpcClient(analytics.RowsServiceService, {
        address: platform.env.AGGREGATION_GRPC_ADDR as string,
        internalToken: platform.env.INTERNAL_TOKEN as string,
      });
      const grpcStarted = Date.now();
      let grpcRows = 0;
      for await (const batch of client.streamRows({
        appId: app.id,
        dataType: analytics.DataType.DATA_TYPE_COMPANY_FEATURES,
        filter: rowFilter({ history: '6m-weekly' }),
        batchSize: flag('grpc-batch', 500),
        dimensions: [],
        useDisplayNames: false,
        csv: true,
      })) {
        // One CRLF per record: the benchmark's names hold no line breaks.
        grpcRows += (batch as analytics.RowBatch).rowsCsv.split('\r\n').length - 1;
      }
      const grpcSeconds = (Date.now() - grpcStarted) / 1000;
      say(`gRPC stream alone: ${grpcRows} rows in ${grpcSeconds.toFixed(1)} s, ${Math.round(grpcRows / grpcSeconds)} rows/s`);
      client.close();
    }

    // Download the 6-month weekly CSV through the gateway, reading it as a stream.
    const cpuBefore = stackCpuSeconds(stack);
    const started = Date.now();
    const response = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=6m-weekly`, {
      headers: { authorization: `Bearer ${app.apiKey}` },
    });
    if (!response.ok || !response.body) throw new Error(`download failed: ${response.status} ${await response.text()}`);
    let bytes = 0;
    let lines = 0;
    let firstByteMs = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (!firstByteMs) firstByteMs = Date.now() - started;
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    }
    const seconds = (Date.now() - started) / 1000;
    const rows = lines - 1;
    say(
      `6m-weekly: ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s (first byte after ${(firstByteMs / 1000).toFixed(1)} s)`,
    );
    say(`rows/s end to end: ${Math.round(rows / seconds)}`);
    say(cpuUsedLine('the download', seconds, cpuBefore, stackCpuSeconds(stack)));
    say(
      `peak RSS: gateway ${peakRssMb(platform.processes.get('gateway')?.child.pid).toFixed(0)} MB, aggregation ${peakRssMb(platform.processes.get('aggregation')?.child.pid).toFixed(0)} MB, ferretdb ${peakRssMb(mongo.processes[0]?.child.pid).toFixed(0)} MB (${mongo.backend} backend)`,
    );
  } finally {
    await stack.stop();
    if (profileDir) {
      nameProfiles(profileDir, pids);
      for (const line of summarizeProfiles(profileDir)) say(line);
    }
    if (!process.argv.includes('--keep')) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
