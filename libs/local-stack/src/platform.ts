import { join } from 'node:path';
import { REPO_ROOT } from './paths';
import { freePort, ManagedProcess, startProcess, waitForPort } from './process';

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

/** How a TypeScript entry point runs without a build step (SWC, with decorator metadata and path aliases). */
export function nodeArgsFor(entry: string): string[] {
  return ['--enable-source-maps', '-r', '@swc-node/register', entry];
}

export function entryOf(name: ProcessName): string {
  return join(REPO_ROOT, 'apps', name, 'src', 'main.ts');
}

export interface PlatformOptions {
  /** Env shared by every process (MONGO_URL, S3_*, SMTP_URL, INTERNAL_TOKEN, ADMIN_TOKEN, ...). */
  env: NodeJS.ProcessEnv;
  /** Fixed ports; free ones are picked when omitted. */
  ports?: Partial<Record<ProcessName, number>>;
  logDir: string;
  echo?: boolean;
  /** Processes not to start (a developer runs them with `nx serve`). */
  skip?: ProcessName[];
}

export interface RunningPlatform {
  gatewayUrl: string;
  env: NodeJS.ProcessEnv;
  processes: Map<ProcessName, ManagedProcess>;
  /** Starts one process again (after a stop or a kill), with the same env and port. */
  restart(name: ProcessName): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the four gRPC services, then the gateway, each a real Node process; resolves when all listen. */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const ports = new Map<ProcessName, number>();
  for (const name of [...SERVICE_NAMES, 'gateway'] as ProcessName[]) {
    ports.set(name, options.ports?.[name] ?? (await freePort()));
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json'),
    ...options.env,
    PORT: String(ports.get('gateway')),
  };
  for (const name of SERVICE_NAMES) env[GRPC_ADDR_VARS[name]] = `127.0.0.1:${ports.get(name)}`;

  const processes = new Map<ProcessName, ManagedProcess>();
  const launch = async (name: ProcessName) => {
    const proc = startProcess(name, process.execPath, nodeArgsFor(entryOf(name)), {
      env,
      cwd: REPO_ROOT,
      logFile: join(options.logDir, `${name}.log`),
      echo: options.echo,
    });
    processes.set(name, proc);
    await waitForPort(ports.get(name) as number, '127.0.0.1', 60_000, () => proc.child.exitCode === null);
  };

  const wanted = (name: ProcessName) => !options.skip?.includes(name);
  try {
    await Promise.all(SERVICE_NAMES.filter(wanted).map(launch));
    if (wanted('gateway')) await launch('gateway');
  } catch (error) {
    await Promise.all([...processes.values()].map((p) => p.stop()));
    throw new Error(`${(error as Error).message}; see the logs in ${options.logDir}`);
  }

  return {
    gatewayUrl: `http://127.0.0.1:${ports.get('gateway')}`,
    env,
    processes,
    restart: launch,
    async stop() {
      const gateway = processes.get('gateway');
      await gateway?.stop();
      await Promise.all([...processes.values()].filter((p) => p !== gateway).map((p) => p.stop()));
    },
  };
}
