import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serverBinary } from './binaries';
import { freePort, ManagedProcess, startProcess, waitForPort } from './process';

export interface RunningMongo {
  /** Connection string without a database name; append `/<db>`. */
  url: string;
  process: ManagedProcess;
}

/** FerretDB with its SQLite backend, data in `dataDir`, listening on loopback. */
export async function startFerretDb(options: { dataDir: string; port?: number; echo?: boolean }): Promise<RunningMongo> {
  const port = options.port ?? (await freePort());
  const dbDir = join(options.dataDir, 'ferretdb');
  mkdirSync(dbDir, { recursive: true });
  const proc = startProcess(
    'ferretdb',
    serverBinary('ferretdb'),
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dbDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dbDir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=WARN',
    ],
    { logFile: join(options.dataDir, 'ferretdb.log'), echo: options.echo },
  );
  await waitForPort(port, '127.0.0.1', 30_000, () => proc.child.exitCode === null);
  return { url: `mongodb://127.0.0.1:${port}`, process: proc };
}
