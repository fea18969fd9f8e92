/**
 * Ingestion benchmark: `npm run bench:ingest` (env knobs below).
 *
 * Starts FerretDB, the S3 and SMTP servers and the five processes (unless GATEWAY_URL is given, with
 * ADMIN_TOKEN and MONGO_URL of that platform), creates an app, then measures over loopback:
 *   1. single POST /{key}/event calls at a fixed concurrency;
 *   2. POST /{key}/bulk requests of BENCH_BULK_SIZE events;
 *   3. the storage baseline: the same event records written straight into the same database with the
 *      driver's insertMany, in batches of 500;
 * prints calls/s, events/s, p50 and p99 latency, and checks that the stored count equals the accepted count.
 *
 * Knobs: BENCH_SINGLE_CALLS (20000), BENCH_CONCURRENCY (64), BENCH_BULK_EVENTS (100000), BENCH_BULK_SIZE (500),
 * BENCH_BULK_CONCURRENCY (4), BENCH_USERS (1000), BENCH_COMPANIES (100), BENCH_CPU_PROF (1: profile each service).
 */
import { REPO_ROOT, startStandaloneStack } from '@exportd/local-stack';
import { cpuProfileFlags, nameProfiles, summarizeProfiles } from '../profile';
import { cpuUsedLine, say, stackCpuSeconds } from '../shared';
import { RAW_COLLECTIONS, TrackingCallRecord, utcDay } from '@exportd/records';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SINGLE_CALLS = num('BENCH_SINGLE_CALLS', 20_000);
const CONCURRENCY = num('BENCH_CONCURRENCY', 64);
const BULK_EVENTS = num('BENCH_BULK_EVENTS', 100_000);
const BULK_SIZE = num('BENCH_BULK_SIZE', 500);
const BULK_CONCURRENCY = num('BENCH_BULK_CONCURRENCY', 4);
const USERS = num('BENCH_USERS', 1_000);
const COMPANIES = num('BENCH_COMPANIES', 100);
const BASELINE_BATCH = 500;
/** BENCH_CPU_PROF=1: each service writes its CPU profile here, summarized at the end. */
const profileDir =
  process.env.BENCH_CPU_PROF === '1' ? join(REPO_ROOT, 'tmp', 'bench-profiles', `ingest-${Date.now()}`) : undefined;

interface Target {
  gatewayUrl: string;
  adminToken: string;
  mongoUrl: string;
  /** CPU seconds used so far by each process this benchmark started (none for a platform given by GATEWAY_URL). */
  cpu(): Record<string, number>;
  stop(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  if (process.env.GATEWAY_URL) {
    const { ADMIN_TOKEN, MONGO_URL } = process.env;
    if (!ADMIN_TOKEN || !MONGO_URL) throw new Error('with GATEWAY_URL, set ADMIN_TOKEN and MONGO_URL of that platform too');
    return {
      gatewayUrl: process.env.GATEWAY_URL,
      adminToken: ADMIN_TOKEN,
      mongoUrl: MONGO_URL,
      cpu: () => ({}),
      stop: async () => undefined,
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'exportd-bench-'));
  say(`starting FerretDB, S3, SMTP and the platform (data in ${dataDir})...`);
  // The per-key rate limits are off: the benchmark measures what one key's calls can reach.
  const limitsOff = { TRACKING_RATE_LIMIT: '0', API_RATE_LIMIT: '0' };
  const stack = await startStandaloneStack(dataDir, limitsOff, { nodeFlags: profileDir ? cpuProfileFlags(profileDir) : [] });
  return {
    gatewayUrl: stack.platform.gatewayUrl,
    adminToken: stack.adminToken,
    mongoUrl: stack.mongoUrl,
    cpu: () => stackCpuSeconds(stack),
    async stop() {
      const pids = new Map([...stack.platform.processes].map(([name, proc]) => [proc.child.pid ?? 0, name]));
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (profileDir) {
        nameProfiles(profileDir, pids);
        say(`\nCPU profiles (${profileDir}):`);
        for (const line of summarizeProfiles(profileDir)) say(line);
      }
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: Math.max(CONCURRENCY, BULK_CONCURRENCY) });

function post(url: URL, path: string, body: string, token?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = request({ host: url.hostname, port: url.port, path, method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function event(i: number, run: string) {
  return {
    event: `Feature ${i % 20}`,
    userId: `user-${i % USERS}`,
    companyId: `company-${i % COMPANIES}`,
    attributes: { position: 'popover', version: i % 5 },
    messageId: `${run}-${i}`,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface Phase {
  requests: number;
  accepted: number;
  events: number;
  seconds: number;
  latencies: number[];
}

async function runPhase(
  total: number,
  concurrency: number,
  send: (i: number) => Promise<{ ok: boolean; events: number }>,
): Promise<Phase> {
  const latencies: number[] = [];
  let next = 0;
  let accepted = 0;
  let events = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      const result = await send(i);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (result.ok) {
        accepted += 1;
        events += result.events;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { requests: total, accepted, events, seconds, latencies };
}

/** What each process spent on CPU in a phase (nothing for a platform given by GATEWAY_URL). */
function reportCpu(phase: string, seconds: number, before: Record<string, number>, after: Record<string, number>): void {
  if (Object.keys(after).length > 0) say(`  ${cpuUsedLine(phase, seconds, before, after)}`);
}

function report(name: string, phase: Phase): void {
  say(
    `${name}: ${phase.requests} requests (${phase.accepted} answered 200) in ${phase.seconds.toFixed(2)} s -> ` +
      `${(phase.requests / phase.seconds).toFixed(0)} calls/s, ${(phase.events / phase.seconds).toFixed(0)} events/s, ` +
      `p50 ${percentile(phase.latencies, 50).toFixed(1)} ms, p99 ${percentile(phase.latencies, 99).toFixed(1)} ms`,
  );
}

async function main(): Promise<void> {
  const target = await startTarget();
  const interrupt = () => void target.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const db = await mongoose.createConnection(target.mongoUrl).asPromise();
  try {
    const url = new URL(target.gatewayUrl);
    const created = await post(url, '/admin/v1/apps', JSON.stringify({ name: 'bench', plan: 'enterprise' }), target.adminToken);
    if (created.status !== 201) throw new Error(`creating the app failed: ${created.status} ${created.text}`);
    const app = JSON.parse(created.text) as { id: string; trackingKey: string };
    const run = randomUUID().slice(0, 8);
    const calls = db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls);
    const storedEvents = () => calls.countDocuments({ appId: app.id, type: 'event' });

    // Warm-up (connections, JIT, tracking-key cache); not counted.
    await runPhase(500, CONCURRENCY, async (i) => {
      const response = await post(url, `/${app.trackingKey}/event`, JSON.stringify(event(i, `${run}w`)));
      return { ok: response.status === 200, events: 1 };
    });
    const before = await storedEvents();

    say(`single /event calls: ${SINGLE_CALLS} at concurrency ${CONCURRENCY}`);
    const cpuBeforeSingle = target.cpu();
    const single = await runPhase(SINGLE_CALLS, CONCURRENCY, async (i) => {
      const response = await post(url, `/${app.trackingKey}/event`, JSON.stringify(event(i, `${run}s`)));
      return { ok: response.status === 200, events: 1 };
    });
    report('single /event', single);
    reportCpu('the single calls', single.seconds, cpuBeforeSingle, target.cpu());
    const afterSingle = await storedEvents();
    say(
      `  stored ${afterSingle - before} events, accepted ${single.accepted}: ${afterSingle - before === single.accepted ? 'OK' : 'MISMATCH'}`,
    );

    const requests = Math.ceil(BULK_EVENTS / BULK_SIZE);
    say(`bulk: ${requests} requests of ${BULK_SIZE} events at concurrency ${BULK_CONCURRENCY}`);
    const cpuBeforeBulk = target.cpu();
    const bulk = await runPhase(requests, BULK_CONCURRENCY, async (r) => {
      const items = Array.from({ length: BULK_SIZE }, (_, k) => ({ type: 'event', ...event(r * BULK_SIZE + k, `${run}b`) }));
      const response = await post(url, `/${app.trackingKey}/bulk`, JSON.stringify(items));
      if (response.status !== 200) say(`  bulk answered ${response.status}: ${response.text.slice(0, 200)}`);
      return { ok: response.status === 200, events: BULK_SIZE };
    });
    report('bulk', bulk);
    reportCpu('the bulk requests', bulk.seconds, cpuBeforeBulk, target.cpu());
    const afterBulk = await storedEvents();
    say(
      `  stored ${afterBulk - afterSingle} events, accepted ${bulk.events}: ${afterBulk - afterSingle === bulk.events ? 'OK' : 'MISMATCH'}`,
    );

    // Profiles and counters are applied behind the raw insert: wait until the usage counters hold every event.
    const waitStarted = process.hrtime.bigint();
    const expected = afterBulk;
    let counted = 0;
    for (;;) {
      const [sum] = await db
        .collection(RAW_COLLECTIONS.usageDaily)
        .aggregate<{ total: number }>([{ $match: { appId: app.id } }, { $group: { _id: null, total: { $sum: '$count' } } }])
        .toArray();
      counted = sum?.total ?? 0;
      if (counted >= expected || Number(process.hrtime.bigint() - waitStarted) / 1e9 > 300) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    say(
      `profiles and counters caught up ${(Number(process.hrtime.bigint() - waitStarted) / 1e9).toFixed(1)} s after the last ` +
        `answer (usage counters hold ${counted} of ${expected} events)`,
    );

    // Storage baseline: the same records, straight into the same database, insertMany of 500.
    const baselineCollection = db.collection<TrackingCallRecord>(`bench_baseline_${run}`);
    const now = new Date();
    const records: TrackingCallRecord[] = Array.from({ length: requests * BULK_SIZE }, (_, i) => {
      const e = event(i, `${run}x`);
      return {
        _id: `${app.id}:m:${e.messageId}`,
        appId: app.id,
        type: 'event',
        messageId: e.messageId,
        userId: e.userId,
        companyId: e.companyId,
        event: e.event,
        attributes: JSON.stringify(e.attributes),
        active: true,
        timestamp: now,
        day: utcDay(now),
        receivedAt: now,
        companyIds: [e.companyId],
      };
    });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < records.length; i += BASELINE_BATCH) {
      await baselineCollection.insertMany(records.slice(i, i + BASELINE_BATCH), { ordered: false });
    }
    const baselineSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const baselineRate = records.length / baselineSeconds;
    say(
      `storage baseline (insertMany of ${BASELINE_BATCH}): ${records.length} events in ${baselineSeconds.toFixed(2)} s -> ${baselineRate.toFixed(0)} events/s`,
    );
    await baselineCollection.drop();

    const bulkRate = bulk.events / bulk.seconds;
    say('');
    say(
      `single /event: ${(single.requests / single.seconds).toFixed(0)} calls/s (target >= 3000), p99 ${percentile(single.latencies, 99).toFixed(1)} ms (target < 50)`,
    );
    say(
      `bulk: ${bulkRate.toFixed(0)} events/s = ${(bulkRate / baselineRate).toFixed(2)} of the storage baseline (target >= 0.5)`,
    );
    if (afterSingle - before !== single.accepted || afterBulk - afterSingle !== bulk.events) process.exitCode = 1;
  } finally {
    await db.close();
    agent.destroy();
    await target.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
