/** Pieces the benchmarks share: seeding raw events straight into the database, and the platform's HTTP API. */
import { PlatformOptions, StandaloneStack, startStandaloneStack, stopAllProcesses } from '@exportd/local-stack';
import { RAW_COLLECTIONS } from '@exportd/records';
import mongoose from 'mongoose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const say = (line: string) => process.stdout.write(`${line}\n`);

// Ctrl-C or SIGTERM stops every server and service a benchmark started, so none outlives it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\n${signal}: stopping the benchmark's servers...`);
    void stopAllProcesses().finally(() => process.exit(130));
  });
}

/** A positive numeric `--name value` flag. */
export function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** A comma-separated `--name a,b,c` flag. */
export function listFlag(name: string, fallback: string[]): string[] {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? '').split(',').filter(Boolean) : fallback;
}

/** A `--name` switch. */
export const hasFlag = (name: string) => process.argv.includes(`--${name}`);

/** Inserts `events` event calls of `appId`, spread evenly over `days` days from `from` (a UTC date). */
export async function seedEvents(mongoUrl: string, appId: string, events: number, from = '2024-01-01', days = 90): Promise<void> {
  const connection = await mongoose.createConnection(mongoUrl).asPromise();
  const collection = connection.collection(RAW_COLLECTIONS.calls);
  const start = Date.parse(`${from}T00:00:00Z`);
  const span = days * 24 * 3600 * 1000;
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

export interface Api {
  (
    method: string,
    path: string,
    authorization: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** JSON calls to the gateway; GETs are retried a few times (a busy machine can drop a connection). */
export function gatewayApi(gatewayUrl: string): Api {
  return async (method, path, authorization, body) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(`${gatewayUrl}${path}`, {
          method,
          headers: { authorization, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      } catch (error) {
        // A POST is sent again only after a socket error (the server closing a kept-alive connection that sat idle
        // through a long baseline pass); the benchmarks' POSTs are exports, one in progress per app.
        const closedIdle = ((error as Error).cause as { code?: string } | undefined)?.code === 'UND_ERR_SOCKET';
        if (attempt >= 5 || (method !== 'GET' && !closedIdle)) throw error;
        await sleep(200 * attempt);
      }
    }
  };
}

/** An enterprise app: its id and the `Token <key>` authorization of the Bulk Data Export API. */
export async function createBenchApp(api: Api, adminToken: string, name = 'bench'): Promise<{ appId: string; token: string }> {
  const app = await api('POST', '/admin/v1/apps', `Bearer ${adminToken}`, { name, plan: 'enterprise' });
  if (app.status !== 201) throw new Error(`creating the app failed: ${JSON.stringify(app.body)}`);
  return { appId: app.body.id as string, token: `Token ${app.body.apiKey as string}` };
}

/** Runs one Bulk Data Export API job to its end; returns its files and the seconds it took. */
export async function exportThroughBulkApi(
  api: Api,
  token: string,
  request: { from: string; to: string; format: string },
): Promise<{ seconds: number; files: { rows: number; bytes: number }[] }> {
  const started = performance.now();
  const created = await api('POST', '/api/v1/analytics/exports', token, request);
  if (created.status !== 201) throw new Error(`export not created: ${JSON.stringify(created.body)}`);
  let job: Record<string, unknown>;
  for (;;) {
    job = (await api('GET', `/api/v1/analytics/exports/jobs/${created.body.job_id as string}`, token)).body;
    if (job.status === 'completed' || job.status === 'failed') break;
    await sleep(50);
  }
  const seconds = (performance.now() - started) / 1000;
  if (job.status !== 'completed') throw new Error(`export failed: ${String(job.error)}`);
  return { seconds, files: job.files as { rows: number; bytes: number }[] };
}

/**
 * Runs `body` on a standalone stack (the services' build unless `processes` says otherwise) in a fresh temp
 * dir: stopped afterwards, its dir removed unless `body` failed.
 */
export async function withStandaloneStack(
  env: NodeJS.ProcessEnv,
  body: (stack: StandaloneStack, dataDir: string) => Promise<void>,
  processes: Pick<PlatformOptions, 'runFrom' | 'nodeFlags'> = {},
): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'exportd-bench-'));
  const stack = await startStandaloneStack(dataDir, env, processes);
  let failed = false;
  try {
    await body(stack, dataDir);
  } catch (error) {
    failed = true;
    say(`logs kept in ${dataDir}`);
    throw error;
  } finally {
    await stack.stop();
    if (!failed) rmSync(dataDir, { recursive: true, force: true });
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far by a process and the children it waited for; with `children`, also
 * by its live children (PostgreSQL's backends are children of its postmaster).
 */
export function cpuSeconds(pid: number | undefined, children = false): number {
  if (!pid) return NaN;
  const ticks = (id: number, withExited: boolean): number => {
    try {
      // Fields after the command name, which may hold spaces: state ppid ... utime(14) stime(15) cutime cstime.
      const fields = readFileSync(`/proc/${id}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const at = (field: number) => Number(fields[field - 3]);
      return at(14) + at(15) + (withExited ? at(16) + at(17) : 0);
    } catch {
      return 0; // ended meanwhile
    }
  };
  let total = ticks(pid, true);
  if (children) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = (() => {
        try {
          return readFileSync(`/proc/${entry}/stat`, 'utf8');
        } catch {
          return '';
        }
      })();
      if (stat.split(') ')[1]?.split(' ')[1] === String(pid)) total += ticks(Number(entry), false);
    }
  }
  return total / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds used so far by each process of a standalone stack (the five services, FerretDB, PostgreSQL with
 * its backends) and by this benchmark process.
 */
export function stackCpuSeconds(stack: StandaloneStack): Record<string, number> {
  const services = [...stack.platform.processes].map(([name, proc]) => [name, cpuSeconds(proc.child.pid)] as const);
  const own = process.cpuUsage();
  return {
    ...Object.fromEntries(services),
    ferretdb: cpuSeconds(stack.mongo.processes[0]?.child.pid),
    postgresql: cpuSeconds(stack.mongo.processes[1]?.child.pid, true),
    benchmark: (own.user + own.system) / 1e6,
  };
}

/** What each process spent on CPU between two readings, beside the most 2 cores give in `seconds`. */
export function cpuUsedLine(
  phase: string,
  seconds: number,
  before: Record<string, number>,
  after: Record<string, number>,
): string {
  const used = Object.entries(after).map(([name, total]) => `${name} ${(total - (before[name] ?? 0)).toFixed(1)}`);
  return `CPU seconds during ${phase} (2 cores: at most ${(2 * seconds).toFixed(1)}): ${used.join(', ')}`;
}
