import { health } from '@exportd/contracts';
import { createGrpcClient } from '@exportd/grpc';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';
import { exitDescription, freePort, ManagedProcess, portIsFree, startProcess } from './process';
import { RestartPolicy, RestartPolicyOptions } from './restart-policy';

export const SERVICE_NAMES = ['ingestion', 'aggregation', 'export-job', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export type ProcessName = ServiceName | 'gateway';

/** The env variable holding each service's gRPC address. */
export const GRPC_ADDR_VARS: Record<ServiceName, string> = {
  ingestion: 'INGESTION_GRPC_ADDR',
  aggregation: 'AGGREGATION_GRPC_ADDR',
  'export-job': 'EXPORT_JOB_GRPC_ADDR',
  notification: 'NOTIFICATION_GRPC_ADDR',
};

/** What a platform process runs: its build (dist/, see buildServices), or its TypeScript sources through SWC. */
export type RunFrom = 'build' | 'source';

/**
 * V8 settings of every built process: young-generation semi-spaces of 8 MB instead of 16 keep what start-up
 * leaves in them from staying resident (the gateway idles at 113 MB instead of 126, `npm run bench:idle`);
 * more frequent minor GCs are the price. The Dockerfile runs the same.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=8'];

/**
 * The command line of a platform process. The build starts in a fraction of the time and memory of compiling
 * the sources at start-up; NODE_OPTIONS=--enable-source-maps maps its stack traces back to the TypeScript.
 */
export function serviceArgs(name: ProcessName, from: RunFrom = 'build'): string[] {
  if (from === 'source')
    return ['--enable-source-maps', '-r', '@swc-node/register', join(REPO_ROOT, 'apps', name, 'src', 'main.ts')];
  const entry = join(REPO_ROOT, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  return [...SERVICE_NODE_FLAGS, entry];
}

/** Compiles the services to dist/ (under a second; safe while other processes start from it). */
export function buildServices(): void {
  execFileSync(process.execPath, [join(REPO_ROOT, 'tools', 'build', 'build.mjs')], { stdio: 'ignore' });
}

/** What a supervised platform reports: a restart planned, a process healthy again, or giving up on one. */
export type SupervisionEvent =
  | { type: 'restarting'; name: ProcessName; exit: string; delayMs: number; restart: number; logFile: string }
  | { type: 'recovered'; name: ProcessName; pid: number | undefined }
  | { type: 'gave-up'; name: ProcessName; exit: string; restarts: number; windowMs: number; logFile: string };

export interface PlatformOptions {
  /** Env shared by every process (MONGO_URL, S3_*, SMTP_URL, INTERNAL_TOKEN, ADMIN_TOKEN, HOST, GRPC_BIND_HOST, ...). */
  env: NodeJS.ProcessEnv;
  /** Fixed ports (a service's means 127.0.0.1:<port>); free ones are picked when omitted. */
  ports?: Partial<Record<ProcessName, number>>;
  /** Fixed gRPC addresses (host:port): each service binds the port on GRPC_BIND_HOST and is dialled at the address. */
  addresses?: Partial<Record<ServiceName, string>>;
  logDir: string;
  /** Each service's METRICS_PORT (GET /metrics on METRICS_BIND_HOST); a service left out serves none. */
  metricsPorts?: Partial<Record<ServiceName, number>>;
  echo?: boolean;
  /** The build (default) or the sources (a baseline for the benchmarks). */
  runFrom?: RunFrom;
  /** More node options for every process, ahead of the entry point (`--cpu-prof`, refused in NODE_OPTIONS). */
  nodeFlags?: string[];
  /** Processes not to start (a developer runs them with `nx serve`). */
  skip?: ProcessName[];
  /**
   * Restart a process that exits on its own once the platform runs, with back-off, reporting each step; after too
   * many restarts within the window the platform reports `gave-up` and leaves stopping to the caller.
   * Without it an exit is the caller's business (tests stop and restart processes themselves).
   */
  supervise?: { policy?: RestartPolicyOptions; onEvent(event: SupervisionEvent): void };
  /** Aborting stops spawning (during start-up too, where startPlatform then fails) and any planned restart. */
  signal?: AbortSignal;
}

export interface RunningPlatform {
  gatewayUrl: string;
  env: NodeJS.ProcessEnv;
  /** The current process of each started name (a restart replaces it). */
  processes: Map<ProcessName, ManagedProcess>;
  /** Starts one process again (stopping it first if it runs), with the same env and port. */
  restart(name: ProcessName): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * Starts the four gRPC services, then the gateway, each a real Node process; resolves when each service answers
 * its grpc.health.v1 check SERVING and the gateway's GET /healthz is 200. A port already in use, or a process
 * that exits before it is ready, fails start-up with a message naming the process, its address and its log file.
 */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const addresses = new Map<ServiceName, string>();
  for (const name of SERVICE_NAMES) {
    addresses.set(name, options.addresses?.[name] ?? `127.0.0.1:${options.ports?.[name] ?? (await freePort())}`);
  }
  const gatewayPort = options.ports?.gateway ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The sources read their compiler settings (decorator metadata, path aliases) from here.
    SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json'),
    ...options.env,
    PORT: String(gatewayPort),
  };
  for (const name of SERVICE_NAMES) env[GRPC_ADDR_VARS[name]] = addresses.get(name);
  const gatewayHost = env.HOST || '0.0.0.0';
  const gatewayUrl = `http://${reachableHost(gatewayHost)}:${gatewayPort}`;
  const grpcBindHost = env.GRPC_BIND_HOST || '127.0.0.1';
  const wanted = [...SERVICE_NAMES, 'gateway'].filter((name) => !options.skip?.includes(name as ProcessName)) as ProcessName[];

  const logFile = (name: ProcessName) => join(options.logDir, `${name}.log`);
  const where = (name: ProcessName) => (name === 'gateway' ? gatewayUrl : (addresses.get(name) as string));
  const fail = (name: ProcessName, what: string) => new Error(`${name} ${what}; log: ${logFile(name)}`);

  // A listener already there (another stack, a second checkout) would answer in our place: refuse to start.
  for (const name of wanted) {
    const [host, port, variable] =
      name === 'gateway' ? [gatewayHost, gatewayPort, 'PORT'] : [grpcBindHost, portOf(where(name)), GRPC_ADDR_VARS[name]];
    if (!(await portIsFree(port, host))) {
      throw fail(name, `cannot start: ${host}:${port} is already in use (another stack? set ${variable} to another port)`);
    }
    const metricsPort = name === 'gateway' ? undefined : options.metricsPorts?.[name];
    const metricsHost = env.METRICS_BIND_HOST || '127.0.0.1';
    if (metricsPort !== undefined && !(await portIsFree(metricsPort, metricsHost))) {
      throw fail(name, `cannot start: its metrics port ${metricsHost}:${metricsPort} is already in use (another stack?)`);
    }
  }

  const probeService = async (name: ServiceName): Promise<boolean> => {
    const client = createGrpcClient(health.HealthService, {
      address: where(name),
      internalToken: env.INTERNAL_TOKEN ?? '',
      timeoutMs: 1_000,
      waitForReady: true,
    });
    try {
      return (await client.check({ service: '' })).status === health.HealthCheckResponse_ServingStatus.SERVING;
    } catch {
      return false;
    } finally {
      client.close();
    }
  };
  /** At start-up the gateway is ready when /healthz is 200; a restarted one when it answers at all. */
  const probeGateway = async (): Promise<boolean> => {
    // /healthz is 503 while a skipped service is not running yet (its developer starts it with nx serve).
    const anyAnswer = running || wanted.length < SERVICE_NAMES.length + 1;
    try {
      const response = await fetch(`${gatewayUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      return response.status === 200 || anyAnswer;
    } catch {
      return false;
    }
  };

  const processes = new Map<ProcessName, ManagedProcess>();
  const policies = new Map<ProcessName, RestartPolicy>();
  const retired = new Set<ManagedProcess>();
  const timers = new Set<NodeJS.Timeout>();
  let running = false;
  let stopped = false;
  const halted = () => stopped || options.signal?.aborted === true;

  const onExit = (name: ProcessName, proc: ManagedProcess) => {
    const supervise = options.supervise;
    if (!supervise || !running || halted() || retired.has(proc)) return;
    const policy = policies.get(name) ?? new RestartPolicy(supervise.policy);
    policies.set(name, policy);
    const exit = exitDescription(proc.child);
    const plan = policy.next();
    if (!plan) {
      const { maxRestarts: restarts, windowMs } = policy;
      supervise.onEvent({ type: 'gave-up', name, exit, restarts, windowMs, logFile: logFile(name) });
      return;
    }
    supervise.onEvent({ type: 'restarting', name, exit, ...plan, logFile: logFile(name) });
    const timer = setTimeout(() => {
      timers.delete(timer);
      // A restart that exits before it is ready is handled by onExit like any other exit.
      launch(name, () => []).then(
        (restarted) => supervise.onEvent({ type: 'recovered', name, pid: restarted.child.pid }),
        () => undefined,
      );
    }, plan.delayMs);
    timers.add(timer);
  };

  /** Spawns one process and resolves once it is ready; fails when it (or one of `alsoWatched`) exits first. */
  const launch = async (name: ProcessName, alsoWatched: () => ManagedProcess[]): Promise<ManagedProcess> => {
    if (halted()) throw new Error('the platform is stopping');
    const metricsPort = name === 'gateway' ? undefined : options.metricsPorts?.[name];
    const proc = startProcess(name, process.execPath, [...(options.nodeFlags ?? []), ...serviceArgs(name, options.runFrom)], {
      env: metricsPort === undefined ? env : { ...env, METRICS_PORT: String(metricsPort) },
      cwd: REPO_ROOT,
      logFile: logFile(name),
      echo: options.echo,
    });
    processes.set(name, proc);
    void proc.exited.then(() => onExit(name, proc));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ready = name === 'gateway' ? await probeGateway() : await probeService(name);
      const gone = [proc, ...alsoWatched()].find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (gone) {
        throw fail(
          gone.name as ProcessName,
          `exited (${exitDescription(gone.child)}) before it was ready at ${where(gone.name as ProcessName)}`,
        );
      }
      if (ready) return proc;
      if (halted()) throw new Error('the platform is stopping');
      if (Date.now() > deadline) {
        // Killed, so a supervised restart takes over; at start-up the caller stops everything anyway.
        await proc.stop('SIGKILL');
        throw fail(name, `was not ready at ${where(name)} after ${READY_TIMEOUT_MS} ms`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stopAll = async () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    const gateway = processes.get('gateway');
    await gateway?.stop();
    await Promise.all([...processes.values()].filter((p) => p !== gateway).map((p) => p.stop()));
  };

  try {
    const services = wanted.filter((name) => name !== 'gateway');
    await Promise.all(services.map((name) => launch(name, () => [])));
    // The gateway's /healthz needs every service, so one that dies meanwhile fails start-up too.
    if (wanted.includes('gateway')) await launch('gateway', () => [...processes.values()]);
    // onExit ignores exits until `running`: one since the last readiness check would go unnoticed, so look again.
    const gone = [...processes.values()].find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (gone) throw fail(gone.name as ProcessName, `exited (${exitDescription(gone.child)}) during start-up`);
    running = true;
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    gatewayUrl,
    env,
    processes,
    async restart(name) {
      const current = processes.get(name);
      if (current) {
        retired.add(current);
        await current.stop();
      }
      await launch(name, () => []);
    },
    stop: stopAll,
  };
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** Where a local client reaches a server bound to `host` (a wildcard bind is reached on loopback). */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
