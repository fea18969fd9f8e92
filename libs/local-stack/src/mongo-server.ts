import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serverBinary } from './binaries';
import { keepPushdownIndexes, PushdownIndexKeeper } from './postgres-indexes';
import { startPostgres } from './postgres-server';
import { freePort, ManagedProcess, startProcess, waitForPort } from './process';

/**
 * FerretDB's storage: PostgreSQL by default (its queries use indexes, so an app's queries cost what the app
 * holds), or SQLite (`FERRETDB_BACKEND=sqlite`), which scans every document of a collection on every query.
 */
export type FerretDbBackend = 'postgresql' | 'sqlite';

export function ferretDbBackend(
  env: { FERRETDB_BACKEND?: string } = { FERRETDB_BACKEND: process.env.FERRETDB_BACKEND },
): FerretDbBackend {
  const value = env.FERRETDB_BACKEND || 'postgresql';
  if (value !== 'postgresql' && value !== 'sqlite')
    throw new Error(`FERRETDB_BACKEND must be postgresql or sqlite, got ${value}`);
  return value;
}

export interface RunningMongo {
  /** Connection string without a database name; append `/<db>`. */
  url: string;
  backend: FerretDbBackend;
  /** The PostgreSQL database behind FerretDB, on that backend. */
  postgresUrl?: string;
  /** FerretDB, then the PostgreSQL server behind it (when that backend runs). */
  processes: ManagedProcess[];
  /** Stops FerretDB, then PostgreSQL. */
  stop(): Promise<void>;
}

/**
 * FerretDB with data under `dataDir`, listening on loopback; on PostgreSQL, that server is started first and the
 * indexes FerretDB's filters can use are kept beside it (see keepPushdownIndexes).
 */
export async function startFerretDb(options: {
  dataDir: string;
  port?: number;
  postgresPort?: number;
  backend?: FerretDbBackend;
  echo?: boolean;
}): Promise<RunningMongo> {
  const backend = options.backend ?? ferretDbBackend();
  const port = options.port ?? (await freePort());
  const stateDir = join(options.dataDir, 'ferretdb');
  mkdirSync(stateDir, { recursive: true });
  const postgres =
    backend === 'postgresql' ? await startPostgres({ dataDir: options.dataDir, port: options.postgresPort }) : undefined;
  const storage = postgres
    ? // FerretDB can hold a connection per statement of a multi-statement write until the command ends, so
      // concurrent bulk upserts would exhaust its default pool of 50 (PostgreSQL allows 200, see startPostgres).
      ['--handler=postgresql', `--postgresql-url=${postgres.url}?pool_max_conns=150`]
    : ['--handler=sqlite', `--sqlite-url=file:${stateDir}/`];
  const ferretdb = startProcess(
    'ferretdb',
    serverBinary('ferretdb'),
    [
      ...storage,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${stateDir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=WARN',
    ],
    { logFile: join(options.dataDir, 'ferretdb.log'), echo: options.echo },
  );
  let indexes: PushdownIndexKeeper | undefined;
  const stop = async () => {
    await indexes?.stop();
    await ferretdb.stop();
    // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
    await postgres?.process.stop('SIGINT');
  };
  try {
    await waitForPort(port, '127.0.0.1', 30_000, () => ferretdb.child.exitCode === null);
    if (postgres) indexes = await keepPushdownIndexes(postgres.url);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `mongodb://127.0.0.1:${port}`,
    backend,
    postgresUrl: postgres?.url,
    processes: postgres ? [ferretdb, postgres.process] : [ferretdb],
    stop,
  };
}
