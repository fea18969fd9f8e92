/**
 * Export benchmark:
 *   npm run bench:export -- [--events 100000,300000,1000000] [--formats csv,json,jsonl] [--workers 2]
 *                           [--gzip-level 6] [--cpu-prof] [--chart bench/export/rows-per-second.svg]
 *
 * For each size: starts its own FerretDB, versitygw and the five platform processes (their build), seeds N
 * events over three months, then exports them through the full path (Bulk Data Export API -> export-job ->
 * gRPC row stream from aggregation -> format -> gzip -> S3 multipart upload; one partition per month, exported
 * by `--workers` workers at once) and through the baseline (driver cursor -> same row encoding, formatter and
 * gzip -> local file, one process). Prints rows/s, MB/s, the ratio to the baseline and each service's peak RSS
 * (VmHWM); with several sizes, a table of how they grow and an SVG chart of rows/s against size per format.
 * `--cpu-prof` writes each service's CPU profile and prints where the time went.
 */
import { ferretDbBackend, peakRssMb, REPO_ROOT } from '@exportd/local-stack';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeLineChart } from '../chart';
import { cpuProfileFlags, nameProfiles, summarizeProfiles } from '../profile';
import {
  createBenchApp,
  exportThroughBulkApi,
  flag,
  gatewayApi,
  hasFlag,
  listFlag,
  say,
  seedEvents,
  withStandaloneStack,
} from '../shared';

interface Run {
  events: number;
  format: string;
  rows: number;
  rate: number;
  baseRate: number;
  peakRss: Map<string, number>;
}

const BASELINE = join(REPO_ROOT, 'dist/apps/export-job/src/bench/baseline-export.js');

function runBaseline(mongoUrl: string, appId: string, format: string, gzipLevel: number, dataDir: string) {
  const out = join(dataDir, `baseline.${format}.gz`);
  const baseline = spawnSync(process.execPath, [BASELINE], {
    cwd: REPO_ROOT,
    env: { ...process.env, MONGO_URL: mongoUrl, APP_ID: appId, FORMAT: format, OUT: out, EXPORT_GZIP_LEVEL: String(gzipLevel) },
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (baseline.status !== 0) throw new Error(`baseline failed: ${baseline.stderr}`);
  rmSync(out, { force: true });
  return JSON.parse(baseline.stdout.trim().split('\n').pop() as string) as { rows: number; bytes: number; seconds: number };
}

async function measureSize(
  events: number,
  formats: string[],
  options: { workers: number; gzipLevel: number; profileDir?: string },
) {
  const runs: Run[] = [];
  let profiles: string[] = [];
  const profileDir = options.profileDir && join(options.profileDir, String(events));
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const pids = new Map<number, string>();
  await withStandaloneStack(
    {
      EXPORT_GZIP_LEVEL: String(options.gzipLevel),
      EXPORT_POLL_INTERVAL_MS: '50',
      EXPORT_WORKER_CONCURRENCY: String(options.workers),
    },
    async ({ platform, mongo, mongoUrl, adminToken }, dataDir) => {
      const api = gatewayApi(platform.gatewayUrl);
      const { appId, token } = await createBenchApp(api, adminToken);
      say(`seeding ${events} events (FerretDB ${mongo.backend} backend at ${mongo.url})...`);
      await seedEvents(mongoUrl, appId, events);
      say('warming the database up (one unmeasured baseline pass)...');
      runBaseline(mongoUrl, appId, 'jsonl', options.gzipLevel, dataDir);
      for (const format of formats) {
        const { seconds, files } = await exportThroughBulkApi(api, token, { from: '2024-01-01', to: '2024-03-31', format });
        const rows = files.reduce((n, f) => n + f.rows, 0);
        const bytes = files.reduce((n, f) => n + f.bytes, 0);
        const base = runBaseline(mongoUrl, appId, format, options.gzipLevel, dataDir);
        const rate = rows / seconds;
        const baseRate = base.rows / base.seconds;
        say(
          `${format.padEnd(5)} full path: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rate)} rows/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s` +
            ` | baseline: ${Math.round(baseRate)} rows/s, ${(base.bytes / 1e6 / base.seconds).toFixed(1)} MB/s | ratio ${(rate / baseRate).toFixed(2)}`,
        );
        runs.push({ events, format, rows, rate, baseRate, peakRss: new Map() });
      }
      const peaks = new Map([...platform.processes].map(([name, proc]) => [name, peakRssMb(proc.child.pid)]));
      for (const run of runs) run.peakRss = peaks;
      for (const [name, proc] of platform.processes) if (proc.child.pid) pids.set(proc.child.pid, name);
    },
    { nodeFlags: profileDir ? cpuProfileFlags(profileDir) : [] },
  );
  if (profileDir) {
    nameProfiles(profileDir, pids);
    profiles = summarizeProfiles(profileDir);
  }
  return { runs, profiles };
}

/** The figures so far, as a table; each size's run adds its rows, so an interrupted run keeps what it measured. */
function printTable(runs: Run[], settings: string): void {
  say('');
  say(`exportd export benchmark: ${settings}`);
  say(
    'events     format  full rows/s  baseline rows/s  ratio  peak RSS MB (gateway/ingestion/aggregation/export-job/notification)',
  );
  for (const run of runs) {
    const peaks = ['gateway', 'ingestion', 'aggregation', 'export-job', 'notification'].map(
      (n) => run.peakRss.get(n)?.toFixed(0) ?? '?',
    );
    say(
      `${String(run.events).padEnd(10)} ${run.format.padEnd(7)} ${String(Math.round(run.rate)).padStart(11)}  ${String(Math.round(run.baseRate)).padStart(15)}  ${(run.rate / run.baseRate).toFixed(2).padStart(5)}  ${peaks.join('/')}`,
    );
  }
}

function writeChart(path: string, runs: Run[], formats: string[], settings: string): void {
  writeLineChart(path, {
    title: `Export rows/s by size (${settings}; dashed: baseline)`,
    x: 'events exported',
    y: 'rows per second',
    series: formats.flatMap((format) => {
      const mine = runs.filter((r) => r.format === format);
      return [
        { name: `${format} full path`, points: mine.map((r): [number, number] => [r.events, r.rate]) },
        { name: `${format} baseline`, points: mine.map((r): [number, number] => [r.events, r.baseRate]), dashed: true },
      ];
    }),
  });
  say(`chart written to ${path}`);
}

async function main(): Promise<void> {
  const sizes = listFlag('events', ['100000']).map(Number);
  const formats = listFlag('formats', ['csv', 'json', 'jsonl']);
  const workers = flag('workers', 2);
  const gzipLevel = flag('gzip-level', 6);
  const chart = listFlag('chart', [join(REPO_ROOT, 'bench', 'export', 'rows-per-second.svg')])[0];
  const profileDir = hasFlag('cpu-prof') ? join(REPO_ROOT, 'tmp', 'bench-profiles', `export-${Date.now()}`) : undefined;
  const settings = `gzip ${gzipLevel}, ${workers} workers, FerretDB on ${ferretDbBackend()}`;
  const runs: Run[] = [];
  for (const [i, events] of sizes.entries()) {
    const measured = await measureSize(events, formats, { workers, gzipLevel, profileDir });
    runs.push(...measured.runs);
    printTable(runs, settings);
    if (i > 0) writeChart(chart, runs, formats, settings);
    if (profileDir) {
      say(`\nCPU profiles of the ${events}-event run (${profileDir}/${events}):`);
      for (const line of measured.profiles) say(line);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
