/**
 * Export benchmark: `node -r @swc-node/register bench/export/run.ts --events 1000000 [--gzip-level 6] [--workers 1]`.
 *
 * Starts its own FerretDB, versitygw and the five platform processes (local-stack), seeds N events over
 * three months, then exports them through the full path (Bulk Data Export API -> export-job -> gRPC row
 * stream from aggregation -> format -> gzip -> S3 multipart upload) as csv and json, and through the
 * baseline (driver cursor -> same row encoding, formatter and gzip -> local file). Prints rows/s, MB/s of
 * the compressed output, the ratio to the baseline, and each service's peak RSS (VmHWM).
 */
import { peakRssMb, REPO_ROOT } from '@exportd/local-stack';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createBenchApp, exportThroughBulkApi, flag, gatewayApi, say, seedEvents, withStandaloneStack } from '../shared';

async function main(): Promise<void> {
  const events = flag('events', 100_000);
  const gzipLevel = flag('gzip-level', 6);
  const workers = flag('workers', 1);
  await withStandaloneStack(
    {
      EXPORT_GZIP_LEVEL: String(gzipLevel),
      EXPORT_POLL_INTERVAL_MS: '50',
      EXPORT_WORKER_CONCURRENCY: String(workers),
    },
    async (stack, dataDir) => {
      const { platform, mongo, mongoUrl, adminToken } = stack;
      const api = gatewayApi(platform.gatewayUrl);
      const { appId, token } = await createBenchApp(api, adminToken);
      say(`seeding ${events} events (FerretDB ${mongo.backend} backend at ${mongo.url})...`);
      await seedEvents(mongoUrl, appId, events);

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
        const { seconds, files } = await exportThroughBulkApi(api, token, { from: '2024-01-01', to: '2024-03-31', format });
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
    },
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
