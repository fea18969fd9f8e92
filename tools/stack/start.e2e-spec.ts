/**
 * `npm start` itself: the stack script as a real process against the run's servers (MONGO_URL, S3_ENDPOINT and
 * SMTP_URL point at them, so no FerretDB of its own), each stack with its own DATA_DIR, ports, database and bucket.
 */
import { REPO_ROOT } from '@exportd/local-stack';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';

/** The run's servers as the jest global setup describes them (libs/testing/src/test-servers.ts). */
interface TestServers {
  mongoUrl: string;
  s3Endpoint: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  smtpUrl: string;
  tmpDir: string;
}

// Read here rather than imported: the module-boundary rule keeps tools off @exportd/testing.
function testServers(): TestServers {
  const raw = process.env.EXPORTD_TEST_SERVERS;
  if (!raw) throw new Error('test servers are not running: run tests through jest (its global setup starts them)');
  return JSON.parse(raw) as TestServers;
}

const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A running `node tools/stack/start.ts`, in its own process group, its output kept line by line. */
class StackProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(readonly env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/stack/start.ts'], {
      cwd: REPO_ROOT,
      env,
      // Its own process group, so cleanup can kill the stack and every child it spawned, whatever happened.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const collect = (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const listener of this.listeners) listener();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => this.listeners.forEach((listener) => listener()));
  }

  get dataDir(): string {
    return this.env.DATA_DIR as string;
  }

  /** The first line of the stack's own output matching `pattern` (already printed or to come). */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.lines.map((line) => pattern.exec(line)).find((m) => m !== null);
        if (match) finish(() => resolve(match));
        else if (this.child.exitCode !== null || this.child.signalCode !== null)
          finish(() => reject(this.failure(`exited before ${pattern}`)));
      };
      const timer = setTimeout(() => finish(() => reject(this.failure(`no ${pattern} after ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Exit code, waiting at most `timeoutMs`. */
  async exitCode(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.failure(`still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  pidOf(name: string): number {
    const pids = this.lines.flatMap((line) => {
      const match = new RegExp(`^\\[stack\\] (?:${name} +pid (\\d+) on|${name} is back \\(pid (\\d+)\\))`).exec(line);
      return match ? [Number(match[1] ?? match[2])] : [];
    });
    if (pids.length === 0) throw this.failure(`no pid printed for ${name}`);
    return pids[pids.length - 1];
  }

  /**
   * SIGTERM (the stack stops its children), then SIGKILL to the whole group if it lingers; fails if any process
   * of the group (the stack's children) outlived the stack.
   */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exitCode(20_000).catch(() => undefined);
    const group = -(this.child.pid as number);
    if (signalGroup(group, 0)) {
      signalGroup(group, 'SIGKILL');
      throw this.failure('processes of the stack outlived it');
    }
  }

  failure(what: string): Error {
    return new Error(`stack in ${this.dataDir}: ${what}; its output ends with:\n${this.lines.slice(-30).join('\n')}`);
  }
}

/** Sends `signal` to a process group; false when the group has no process left. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(group, signal);
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** `count` distinct free ports: each is held until all are chosen, so none comes twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listen(0)));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map(close));
  return ports;
}

interface StackPorts {
  gateway: number;
  grpc: Record<'ingestion' | 'aggregation' | 'export-job' | 'notification', number>;
}

async function stackPorts(): Promise<StackPorts> {
  const [gateway, ingestion, aggregation, exportJob, notification] = await freePorts(5);
  return { gateway, grpc: { ingestion, aggregation, 'export-job': exportJob, notification } };
}

const started = new Set<StackProcess>();

/** Starts the stack script with a temp DATA_DIR, the given ports, and the run's MongoDB, S3 and SMTP servers. */
function startStack(ports: StackPorts, extraEnv: NodeJS.ProcessEnv = {}): StackProcess {
  const servers = testServers();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: mkdtempSync(join(servers.tmpDir, 'stack-')),
    HOST: '127.0.0.1',
    PORT: String(ports.gateway),
    INGESTION_GRPC_ADDR: `127.0.0.1:${ports.grpc.ingestion}`,
    AGGREGATION_GRPC_ADDR: `127.0.0.1:${ports.grpc.aggregation}`,
    EXPORT_JOB_GRPC_ADDR: `127.0.0.1:${ports.grpc['export-job']}`,
    NOTIFICATION_GRPC_ADDR: `127.0.0.1:${ports.grpc.notification}`,
    MONGO_URL: Object.assign(new URL(servers.mongoUrl), { pathname: `/${uniqueName('stack').replace(/-/g, '_')}` }).toString(),
    S3_ENDPOINT: servers.s3Endpoint,
    S3_ACCESS_KEY_ID: servers.s3AccessKeyId,
    S3_SECRET_ACCESS_KEY: servers.s3SecretAccessKey,
    S3_BUCKET: uniqueName('stack'),
    SMTP_URL: servers.smtpUrl,
    // Two stacks run side by side here: no service metrics ports (9464-9467) to share.
    METRICS_BASE_PORT: '0',
    ...extraEnv,
  };
  delete env.NODE_ENV; // jest's "test"; npm start runs in development
  const stack = new StackProcess(env);
  started.add(stack);
  return stack;
}

async function healthz(port: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.json() };
}

const READY = /^\[stack\] ready/;
const ALL_SERVING = {
  status: 'ok',
  services: { ingestion: 'serving', aggregation: 'serving', 'export-job': 'serving', notification: 'serving' },
};

describe('npm start (tools/stack/start.ts)', () => {
  // Also after a test that timed out: no stack outlives the file.
  afterAll(async () => {
    await Promise.all([...started].map((stack) => stack.stop()));
  }, 30_000);

  describe('two stacks side by side', () => {
    let first: StackProcess;
    let second: StackProcess;
    let firstPorts: StackPorts;
    let secondPorts: StackPorts;

    beforeAll(async () => {
      [firstPorts, secondPorts] = await Promise.all([stackPorts(), stackPorts()]);
      first = startStack(firstPorts);
      second = startStack(secondPorts);
      await Promise.all([first.waitFor(READY, 75_000), second.waitFor(READY, 75_000)]);
    }, 90_000);

    afterAll(async () => {
      await Promise.all([first?.stop(), second?.stop()]);
    }, 30_000);

    it('both become ready on their own ports, each gateway answering /healthz 200', async () => {
      expect(await healthz(firstPorts.gateway)).toEqual({ status: 200, body: ALL_SERVING });
      expect(await healthz(secondPorts.gateway)).toEqual({ status: 200, body: ALL_SERVING });
      await first.waitFor(
        new RegExp(`^\\[stack\\] ingestion +pid \\d+ on 127\\.0\\.0\\.1:${firstPorts.grpc.ingestion}\\b`),
        1_000,
      );
      await second.waitFor(
        new RegExp(`^\\[stack\\] ingestion +pid \\d+ on 127\\.0\\.0\\.1:${secondPorts.grpc.ingestion}\\b`),
        1_000,
      );
    });

    it('restarts a SIGKILLed service with back-off, logging it, and is healthy again', async () => {
      const killed = first.pidOf('ingestion');
      process.kill(killed, 'SIGKILL');

      await first.waitFor(/^\[stack\] ingestion exited \(signal SIGKILL\); restarting in 500 ms \(restart 1\)$/, 10_000);
      const back = await first.waitFor(/^\[stack\] ingestion is back \(pid (\d+)\)$/, 45_000);
      expect(Number(back[1])).not.toBe(killed);
      expect(isAlive(killed)).toBe(false);
      // The gateway's channel reconnects with its own back-off (up to 2 s).
      await eventually(
        async () => ((await healthz(firstPorts.gateway)).status === 200 ? true : undefined),
        15_000,
        '/healthz 200',
      );
      expect(await healthz(secondPorts.gateway)).toEqual({ status: 200, body: ALL_SERVING });
    }, 90_000);
  });

  it('fails start-up naming the service, its address and its log file when its gRPC port is taken, never printing ready', async () => {
    const ports = await stackPorts();
    const squatter = await listen(ports.grpc.aggregation);
    const stack = startStack(ports);
    try {
      expect(await stack.exitCode(30_000)).toBe(1);
      const address = `127.0.0.1:${ports.grpc.aggregation}`;
      const log = join(stack.dataDir, 'logs', 'aggregation.log');
      expect(stack.lines).toContain(
        `[stack] failed to start: aggregation cannot start: ${address} is already in use (another stack? set AGGREGATION_GRPC_ADDR to another port); log: ${log}`,
      );
      expect(stack.lines.some((line) => READY.test(line))).toBe(false);
    } finally {
      await stack.stop();
      await close(squatter);
    }
  });

  it('fails start-up naming the service and its log file when a service exits before it is ready', async () => {
    // export-job refuses this setting at boot (exit 1); ingestion starts and is stopped again.
    const stack = startStack(await stackPorts(), {
      EXPORT_WORKER_CONCURRENCY: '-1',
      STACK_SKIP: 'aggregation,notification,gateway',
    });
    try {
      expect(await stack.exitCode(45_000)).toBe(1);
      const failure = await stack.waitFor(/^\[stack\] failed to start: (.*)$/, 1_000);
      expect(failure[1]).toMatch(/^export-job exited \(code 1\) before it was ready at 127\.0\.0\.1:\d+; log: (.*)$/);
      expect(failure[1]).toContain(join(stack.dataDir, 'logs', 'export-job.log'));
      expect(stack.lines.some((line) => READY.test(line))).toBe(false);
    } finally {
      await stack.stop();
    }
  });

  it('gives up on a service that keeps exiting: stops everything and exits 1 naming it and its log file', async () => {
    const ports = await stackPorts();
    // Only ingestion runs (the others are "run elsewhere"), with short back-off: 100, 200, 400, 800, 1600 ms.
    const stack = startStack(ports, { STACK_SKIP: 'aggregation,export-job,notification,gateway', STACK_RESTART_DELAY_MS: '100' });
    let squatter: Server | undefined;
    try {
      await stack.waitFor(READY, 45_000);
      const killed = stack.pidOf('ingestion');
      process.kill(killed, 'SIGKILL');
      // Every restart now finds its port taken and exits.
      squatter = await eventually(() => listen(ports.grpc.ingestion).catch(() => undefined), 5_000, 'the freed gRPC port');

      expect(await stack.exitCode(45_000)).toBe(1);
      const restarts = stack.lines.filter((line) => line.startsWith('[stack] ingestion exited'));
      expect(restarts.slice(0, 5)).toEqual([
        '[stack] ingestion exited (signal SIGKILL); restarting in 100 ms (restart 1)',
        '[stack] ingestion exited (code 1); restarting in 200 ms (restart 2)',
        '[stack] ingestion exited (code 1); restarting in 400 ms (restart 3)',
        '[stack] ingestion exited (code 1); restarting in 800 ms (restart 4)',
        '[stack] ingestion exited (code 1); restarting in 1600 ms (restart 5)',
      ]);
      expect(restarts[5]).toBe(
        `[stack] ingestion exited (code 1) after 5 restarts within 60 s; giving up, see its log: ${join(stack.dataDir, 'logs', 'ingestion.log')}`,
      );
      expect(stack.lines.slice(-2)).toEqual(['[stack] stopping...', '[stack] stopped']);
    } finally {
      await stack.stop();
      if (squatter) await close(squatter);
    }
  }, 100_000);
});
