/**
 * Export benchmark: `node -r @swc-node/register bench/export/run.ts --events 1000000 [--gzip-level 6] [--workers 1]`.
 *
 * Starts its own FerretDB, versitygw and the five platform processes (local-stack), seeds N events over
 * three months, then exports them through the full path (Bulk Data Export API -> export-job -> gRPC row
 * stream from aggregation -> format -> gzip -> S3 multipart upload) as csv and json, and through the
 * baseline (driver cursor -> same row encoding, formatter and gzip -> local file). Prints rows/s, MB/s of
 * the compressed output, the ratio to the baseline, and each service's peak RSS (VmHWM).
 */
import { peakRssMb, REPO_ROOT, startStandaloneStack } from '@exportd/local-stack';
import { RAW_COLLECTIONS } from '@exportd/records';
import mongoose from 'mongoose';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const say = (line: string) => process.stdout.write(`${line}\n`);

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

async function seed(mongoUrl: string, appId: string, events: number): Promise<void> {
  const connection = await mongoose.createConnection(mongoUrl).asPromise();
  const collection = connection.collection(RAW_COLLECTIONS.calls);
  const start = Date.UTC(2024, 0, 1);
  const span = 90 * 24 * 3600 * 1000;
  const chunk = 10_000;
  for (let offset = 0; offset < events; offset += chunk) {
    const docs = [];
    for (let i = offset; i < Math.min(events, offset + chunk); i++) {
      const timestamp = new Date(start + Math.floor((i / events) * span));
      docs.push({
        _id: randomUUID(),
        appId,
        type: 'event',
        userId: `user_${i % 5000}`,
        companyId: `comp_${i % 300}`,
        event: `event_${i % 40}`,
        attributes: JSON.stringify({ plan: i % 3 ? 'pro' : 'free', seats: i % 97, url: `/page/${i % 200}` }),
        active: true,
        timestamp,
        day: timestamp.toISOString().slice(0, 10),
        receivedAt: timestamp,
        companyIds: [`comp_${i % 300}`],
      });
    }
    await collection.insertMany(docs as never[], { ordered: false });
    if ((offset / chunk) % 20 === 0) say(`  seeded ${Math.min(events, offset + chunk)} / ${events}`);
  }
  await connection.close();
}

async function main(): Promise<void> {
  const events = flag('events', 100_000);
  const gzipLevel = flag('gzip-level', 6);
  const workers = flag('workers', 1);
  const dataDir = mkdtempSync(join(tmpdir(), 'exportd-bench-'));
  const stack = await startStandaloneStack(dataDir, {
    EXPORT_GZIP_LEVEL: String(gzipLevel),
    EXPORT_POLL_INTERVAL_MS: '50',
    EXPORT_WORKER_CONCURRENCY: String(workers),
  });
  const { platform, mongo, mongoUrl, adminToken } = stack;
  let failed = false;
  try {
    const api = async (method: string, path: string, token: string, body?: unknown) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await fetch(`${platform.gatewayUrl}${path}`, {
            method,
            headers: { authorization: token, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        } catch (error) {
          if (attempt >= 5 || method !== 'GET') throw error;
          await sleep(200 * attempt);
        }
      }
    };
    const app = await api('POST', '/admin/v1/apps', `Bearer ${adminToken}`, { name: 'bench', plan: 'enterprise' });
    const appId = app.body.id as string;
    const token = `Token ${app.body.apiKey as string}`;
    say(`seeding ${events} events (FerretDB at ${mongo.url})...`);
    await seed(mongoUrl, appId, events);

    const runBaseline = (format: string) => {
      const out = join(dataDir, `baseline.${format}.gz`);
      const baseline = spawnSync(
        process.execPath,
        ['-r', '@swc-node/register', join(REPO_ROOT, 'apps/export-job/src/bench/baseline-export.ts')],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json'),
            MONGO_URL: mongoUrl,
            APP_ID: appId,
            FORMAT: format,
            OUT: out,
            EXPORT_GZIP_LEVEL: String(gzipLevel),
          },
          encoding: 'utf8',
          maxBuffer: 1024 * 1024,
        },
      );
      if (baseline.status !== 0) throw new Error(`baseline failed: ${baseline.stderr}`);
      rmSync(out, { force: true });
      return JSON.parse(baseline.stdout.trim().split('\n').pop() as string) as {
        rows: number;
        bytes: number;
        seconds: number;
        peakRssMb: number;
      };
    };
    say('warming the database up (one unmeasured baseline pass)...');
    runBaseline('jsonl');

    const results: string[] = [];
    for (const format of ['csv', 'json'] as const) {
      // Full path.
      const started = performance.now();
      const created = await api('POST', '/api/v1/analytics/exports', token, { from: '2024-01-01', to: '2024-03-31', format });
      if (created.status !== 201) throw new Error(`export not created: ${JSON.stringify(created.body)}`);
      let job: Record<string, unknown>;
      for (;;) {
        job = (await api('GET', `/api/v1/analytics/exports/jobs/${created.body.job_id as string}`, token)).body;
        if (job.status === 'completed' || job.status === 'failed') break;
        await sleep(50);
      }
      const seconds = (performance.now() - started) / 1000;
      if (job.status !== 'completed') throw new Error(`export failed: ${String(job.error)}`);
      const files = job.files as { rows: number; bytes: number }[];
      const rows = files.reduce((n, f) => n + f.rows, 0);
      const bytes = files.reduce((n, f) => n + f.bytes, 0);

      // Baseline: same rows, same serializer and gzip, from the driver cursor to a local file.
      const base = runBaseline(format);

      const rate = rows / seconds;
      const baseRate = base.rows / base.seconds;
      results.push(
        `${format.padEnd(5)} full path: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rate)} rows/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s (gzip)` +
          ` | baseline: ${base.rows} rows in ${base.seconds.toFixed(2)} s = ${Math.round(baseRate)} rows/s, ${(base.bytes / 1e6 / base.seconds).toFixed(1)} MB/s` +
          ` (peak RSS ${base.peakRssMb.toFixed(0)} MB) | ratio ${(rate / baseRate).toFixed(2)} (target >= 0.7)`,
      );
    }
    say('');
    say(`exportd export benchmark: ${events} events, gzip level ${gzipLevel}, ${workers} export worker(s)`);
    for (const line of results) say(line);
    say('peak RSS (VmHWM) per service (target <= 300 MB):');
    for (const [name, proc] of platform.processes) say(`  ${name.padEnd(13)} ${peakRssMb(proc.child.pid).toFixed(0)} MB`);
  } catch (error) {
    failed = true;
    say(`logs kept in ${dataDir}`);
    throw error;
  } finally {
    await stack.stop();
    if (!failed) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
