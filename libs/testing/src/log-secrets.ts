/**
 * Secrets must never reach a log line. Tests register each secret they create or are handed (admin and internal
 * tokens, the encryption key, API keys, webhook secrets, customer S3 keys) with `registerSecret`; the jest global
 * teardown then scans every log the platforms wrote for every registered secret and fails the run naming the file
 * and the kind of secret (never the secret itself: a prefix and its length).
 *
 * Jest workers are separate processes: each appends to a file of its own under the run's temp dir.
 */
import { appendFileSync, createReadStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SERVERS_ENV, testServers } from './test-servers';

export type SecretKind =
  | 'admin token'
  | 'internal token'
  | 'encryption key'
  | 'metrics token'
  | 'S3 secret key'
  | 'API key'
  | 'webhook secret'
  | 'customer S3 secret key';

export interface RegisteredSecret {
  kind: SecretKind;
  value: string;
}

export interface SecretLeak {
  file: string;
  kind: SecretKind;
  /** The secret's first 4 characters and its length: enough to tell which one, useless to an attacker. */
  hint: string;
}

/** What this process registered already (requests send the same secret again and again). */
const registered = new Set<string>();

/** Shorter values (test fixtures such as 'x') would match by chance. */
const MIN_SECRET_LENGTH = 12;

export function secretsDir(tmpDir: string): string {
  return join(tmpDir, 'secrets');
}

export function logsDir(tmpDir: string): string {
  return join(tmpDir, 'logs');
}

export function secretHint(value: string): string {
  return `${value.slice(0, 4)}… (${value.length} chars)`;
}

/**
 * Records a secret for the log scan of this run (a no-op outside jest, where no run collects them). Its
 * URL-encoded form is recorded too: a secret in a logged URL or query string is a leak as well.
 */
export function registerSecret(kind: SecretKind, value: string | undefined, dir?: string): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const seen = `${dir ?? ''}\n${value}`;
  if (registered.has(seen)) return;
  registered.add(seen);
  if (dir === undefined) {
    if (!process.env[TEST_SERVERS_ENV]) return;
    dir = secretsDir(testServers().tmpDir);
  }
  mkdirSync(dir, { recursive: true });
  const lines = [...new Set([value, encodeURIComponent(value)])].map((v) => `${JSON.stringify({ kind, value: v })}\n`);
  appendFileSync(join(dir, `${process.pid}.jsonl`), lines.join(''));
}

export function registeredSecrets(dir: string): RegisteredSecret[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const unique = new Map<string, RegisteredSecret>();
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const secret = JSON.parse(line) as RegisteredSecret;
      unique.set(secret.value, secret);
    }
  }
  return [...unique.values()];
}

function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [],
  );
}

const BASE = 0x01000193;
const FILTER_BITS = 1 << 22;

/** The secrets of one length, found by a rolling hash: one pass over the text per distinct length, whatever their number. */
class SameLengthSecrets {
  private readonly byHash = new Map<number, { secret: RegisteredSecret; text: string }[]>();
  private readonly filter = new Uint8Array(FILTER_BITS >> 3);
  /** BASE^(length-1) mod 2^32: what the character leaving the window contributed. */
  private readonly dropFactor: number;

  constructor(
    readonly length: number,
    secrets: { secret: RegisteredSecret; text: string }[],
  ) {
    let factor = 1;
    for (let i = 1; i < length; i++) factor = Math.imul(factor, BASE);
    this.dropFactor = factor;
    for (const entry of secrets) {
      const hash = this.hashOf(entry.text);
      const bucket = this.byHash.get(hash) ?? [];
      bucket.push(entry);
      this.byHash.set(hash, bucket);
      this.filter[(hash & (FILTER_BITS - 1)) >> 3] |= 1 << (hash & 7);
    }
  }

  private hashOf(text: string): number {
    let hash = 0;
    for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, BASE) + text.charCodeAt(i)) >>> 0;
    return hash;
  }

  /** Adds to `found` every secret of this length that occurs in `text`. */
  scan(text: string, found: Set<RegisteredSecret>): void {
    const length = this.length;
    if (text.length < length) return;
    let hash = this.hashOf(text.slice(0, length));
    for (let start = 0; ; start++) {
      if (this.filter[(hash & (FILTER_BITS - 1)) >> 3] & (1 << (hash & 7))) {
        for (const entry of this.byHash.get(hash) ?? []) if (text.startsWith(entry.text, start)) found.add(entry.secret);
      }
      const end = start + length;
      if (end >= text.length) return;
      hash = (Math.imul((hash - Math.imul(text.charCodeAt(start), this.dropFactor)) >>> 0, BASE) + text.charCodeAt(end)) >>> 0;
    }
  }
}

/**
 * Every (file, secret) pair where a log file under `dir` contains a secret. Each file is streamed once (in
 * chunks, with an overlap so that a secret across two chunks is found), as bytes: a secret is matched by its
 * UTF-8 bytes, and no character is split between chunks.
 */
export async function findSecretsInLogs(dir: string, secrets: RegisteredSecret[]): Promise<SecretLeak[]> {
  const searchable = secrets
    .filter((secret) => secret.value.length >= MIN_SECRET_LENGTH)
    .map((secret) => ({ secret, text: Buffer.from(secret.value, 'utf8').toString('latin1') }));
  if (searchable.length === 0) return [];
  const byLength = new Map<number, { secret: RegisteredSecret; text: string }[]>();
  for (const entry of searchable) byLength.set(entry.text.length, [...(byLength.get(entry.text.length) ?? []), entry]);
  const matchers = [...byLength].map(([length, entries]) => new SameLengthSecrets(length, entries));
  const overlap = Math.max(...byLength.keys()) - 1;

  const leaks: SecretLeak[] = [];
  for (const file of filesUnder(dir).sort()) {
    const found = new Set<RegisteredSecret>();
    let carry = '';
    for await (const chunk of createReadStream(file, { encoding: 'latin1', highWaterMark: 4 * 1024 * 1024 })) {
      const text = carry + (chunk as string);
      for (const matcher of matchers) matcher.scan(text, found);
      carry = text.slice(Math.max(0, text.length - overlap));
    }
    for (const secret of found) leaks.push({ file, kind: secret.kind, hint: secretHint(secret.value) });
  }
  return leaks;
}

/** Fails (throws) when a log of the run under `tmpDir` holds a secret registered during the run. */
export async function assertNoSecretsInLogs(tmpDir: string): Promise<void> {
  const leaks = await findSecretsInLogs(logsDir(tmpDir), registeredSecrets(secretsDir(tmpDir)));
  if (leaks.length === 0) return;
  const lines = leaks.map((leak) => `  - ${leak.file}: a ${leak.kind} (${leak.hint})`);
  throw new Error(`secrets found in ${new Set(leaks.map((l) => l.file)).size} log file(s):\n${lines.join('\n')}`);
}
