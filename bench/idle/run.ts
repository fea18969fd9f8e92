/**
 * Idle memory benchmark: `npm run bench:idle [-- --settle-seconds 10]`.
 *
 * Starts the standalone stack (FerretDB, versitygw, SMTP capture, the five processes) from the services' build
 * (dist/, what `npm start` and the image run), lets it settle, and prints each process's resident memory
 * (VmRSS) and start-up peak (VmHWM); then the same from the TypeScript sources compiled at start-up by SWC
 * (`nx serve`), the baseline of the same run.
 */
import { peakRssMb, ProcessName, RunFrom, rssMb } from '@exportd/local-stack';
import { setTimeout as sleep } from 'node:timers/promises';
import { flag, say, withStandaloneStack } from '../shared';

const NAMES: ProcessName[] = ['gateway', 'ingestion', 'aggregation', 'export-job', 'notification'];

async function measure(
  runFrom: RunFrom,
  settleSeconds: number,
): Promise<Map<ProcessName, { rss: number; peak: number; startSeconds: number }>> {
  const figures = new Map<ProcessName, { rss: number; peak: number; startSeconds: number }>();
  const started = performance.now();
  await withStandaloneStack(
    {},
    async ({ platform }) => {
      const startSeconds = (performance.now() - started) / 1000;
      await sleep(settleSeconds * 1000);
      for (const name of NAMES) {
        const pid = platform.processes.get(name)?.child.pid;
        figures.set(name, { rss: rssMb(pid), peak: peakRssMb(pid), startSeconds });
      }
    },
    { runFrom },
  );
  return figures;
}

async function main(): Promise<void> {
  const settleSeconds = flag('settle-seconds', 10);
  const built = await measure('build', settleSeconds);
  const source = await measure('source', settleSeconds);
  const mb = (value: number) => value.toFixed(0).padStart(5);
  say(
    `\nidle memory after ${settleSeconds} s (MB; the stack, servers included, was ready in ` +
      `${built.get('gateway')?.startSeconds.toFixed(1)} s from the build, ${source.get('gateway')?.startSeconds.toFixed(1)} s from the sources)`,
  );
  say('process        build RSS  build peak | source RSS  source peak | RSS ratio');
  for (const name of NAMES) {
    const b = built.get(name);
    const s = source.get(name);
    if (!b || !s) continue;
    say(
      `${name.padEnd(14)} ${mb(b.rss)}      ${mb(b.peak)}      | ${mb(s.rss)}       ${mb(s.peak)}      | ${(b.rss / s.rss).toFixed(2)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
