import {
  freePort,
  GRPC_ADDR_VARS,
  ManagedProcess,
  serviceArgs,
  REPO_ROOT,
  RunningPlatform,
  ServiceName,
  startProcess,
  waitForPort,
} from '@exportd/local-stack';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { testServers, uniqueName } from './test-servers';

export interface ServiceProcess extends ManagedProcess {
  /** host:port its gRPC server listens on. */
  address: string;
}

/**
 * One more real process of a service, with the platform's env plus `env` (another replica, or the same
 * service pointed at other peers); on a free gRPC port unless `env` names its address. Stop it yourself.
 */
export async function startServiceProcess(
  platform: Pick<RunningPlatform, 'env'>,
  name: ServiceName,
  env: NodeJS.ProcessEnv = {},
): Promise<ServiceProcess> {
  const addressVar = GRPC_ADDR_VARS[name];
  const address = env[addressVar] ?? `127.0.0.1:${await freePort()}`;
  const logDir = join(testServers().tmpDir, 'logs', uniqueName(name));
  mkdirSync(logDir, { recursive: true });
  const proc = startProcess(name, process.execPath, serviceArgs(name), {
    env: { ...platform.env, ...env, [addressVar]: address },
    cwd: REPO_ROOT,
    logFile: join(logDir, `${name}.log`),
  });
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  try {
    await waitForPort(port, '127.0.0.1', 60_000, () => proc.child.exitCode === null);
  } catch (error) {
    await proc.stop();
    throw new Error(`${(error as Error).message}; see ${logDir}`);
  }
  return { ...proc, address };
}
