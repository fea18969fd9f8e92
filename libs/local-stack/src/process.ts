import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, Socket } from 'node:net';

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether nothing listens on host:port yet (a bind test; a listener on 0.0.0.0 or :: counts as using it). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
    server.listen({ port, host: host.replace(/^\[(.*)\]$/, '$1'), exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 30_000, isAlive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(1_000);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
      socket.connect(port, host);
    });
    if (open) return;
    if (isAlive && !isAlive()) throw new Error(`process exited before listening on ${host}:${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile?: string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

const running = new Set<ManagedProcess>();

/** Spawns a long-running child whose output goes to a log file (and optionally this terminal). */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { logFile?: string; echo?: boolean } = {},
): ManagedProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const forward = (chunk: Buffer) => {
    log?.write(chunk);
    if (options.echo) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (log?.end(), resolve(code))));
  const managed: ManagedProcess = {
    name,
    child,
    logFile: options.logFile,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  return managed;
}

/** The processes startProcess spawned that still run, oldest first. */
export function runningProcesses(): ManagedProcess[] {
  return [...running];
}

/** Stops every process startProcess spawned that still runs, newest first (a launcher's last resort). */
export async function stopAllProcesses(): Promise<void> {
  for (const proc of runningProcesses().reverse()) await proc.stop();
}

/** How a process ended, for messages: `code 1` or `signal SIGKILL`. */
export function exitDescription(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
}
