import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { CliError } from '../cli-error';
import { backoffMs, HttpClient } from '../http-client';
import type { Progress } from '../progress';
import { ExportFile, ExportJob, Manifest, manifestOf, totalBytes } from './export-job';
import { readJob } from './wait-export';

export interface DownloadOptions {
  id: string;
  apiKey: string;
  outDir: string;
  progress: Progress;
  /** Attempts of one file after a failed transfer. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What one file's check found: its path, and the SHA-256 it has against every checksum the platform lists. */
export interface FileCheck {
  filename: string;
  path: string;
  sha256: string;
  bytes: number;
  /** Where a listed checksum differs from the file's: `the manifest says <sha>`, ... Empty: it matched. */
  mismatches: string[];
}

export interface DownloadResult {
  job: ExportJob;
  manifestPath: string | undefined;
  files: FileCheck[];
}

/** A file that did not match is kept under this suffix, so that no one takes it for the export's file. */
export const MISMATCH_SUFFIX = '.sha256-mismatch';
const SAFE_FILENAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;

/**
 * Downloads every file of a completed on-demand export into `outDir`, and its `manifest.json`, and checks
 * each file's SHA-256 against the manifest's and the job's listing (both, when both are there). Answers every
 * file's check; the caller decides the exit code.
 */
export async function downloadExport(client: HttpClient, options: DownloadOptions): Promise<DownloadResult> {
  const job = await readJob(client, options.id, options.apiKey);
  if (job.status !== 'completed') {
    const running = job.status === 'pending' || job.status === 'in_progress';
    const state = running ? `is still ${job.status}` : job.status === 'cancelled' ? 'was cancelled' : 'failed';
    throw new CliError(
      `export ${job.id} ${state}${job.error ? ` (${job.error})` : ''}: only a completed export has files${
        running ? ` (exportd exports wait ${job.id})` : ''
      }`,
    );
  }
  for (const file of job.files) {
    if (!SAFE_FILENAME.test(file.filename))
      throw new CliError(`export ${job.id} lists a file name this CLI will not write: "${file.filename}"`);
    if (!file.url) {
      throw new CliError(
        `the download links of export ${job.id} expired${job.expiresAt ? ` at ${job.expiresAt}` : ''}: create the export again`,
      );
    }
  }
  mkdirSync(options.outDir, { recursive: true });

  let manifest: Manifest | undefined;
  let manifestPath: string | undefined;
  if (job.manifestUrl) {
    const text = await (await client.request('GET', job.manifestUrl)).text();
    try {
      manifest = manifestOf(JSON.parse(text));
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`the manifest.json of export ${job.id} is not JSON`);
    }
    manifestPath = join(options.outDir, 'manifest.json');
    writeFileSync(manifestPath, text);
  }

  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = options.maxAttempts ?? 3;
  let done = 0;
  options.progress.start(Math.max(totalBytes(job), 1), 0, { file: '' });
  const files: FileCheck[] = [];
  try {
    for (const file of job.files) {
      const path = join(options.outDir, file.filename);
      const partial = `${path}.part`;
      let fetched: { sha256: string; bytes: number } | undefined;
      for (let attempt = 1; !fetched; attempt++) {
        try {
          fetched = await fetchTo(client, file, partial, (bytes) => {
            options.progress.update(done + bytes, { file: file.filename });
          });
        } catch (error) {
          rmSync(partial, { force: true });
          if (attempt >= maxAttempts) throw new CliError(`downloading ${file.filename} failed: ${(error as Error).message}`);
          await sleep(backoffMs(attempt));
        }
      }
      done += fetched.bytes;
      const mismatches = checksumMismatches(file, manifest, fetched.sha256);
      const target = mismatches.length === 0 ? path : `${path}${MISMATCH_SUFFIX}`;
      rmSync(mismatches.length === 0 ? `${path}${MISMATCH_SUFFIX}` : path, { force: true });
      renameSync(partial, target);
      files.push({ filename: file.filename, path: target, sha256: fetched.sha256, bytes: fetched.bytes, mismatches });
    }
  } finally {
    options.progress.stop();
  }
  return { job, manifestPath, files };
}

/** Every listed checksum of the file that differs from what was downloaded. */
export function checksumMismatches(file: ExportFile, manifest: Manifest | undefined, sha256: string): string[] {
  const mismatches: string[] = [];
  const inManifest = manifest?.files.find((f) => f.filename === file.filename);
  if (manifest && !inManifest) mismatches.push('the manifest does not list it');
  if (inManifest && inManifest.sha256 !== sha256) mismatches.push(`the manifest says ${inManifest.sha256}`);
  if (file.sha256 && file.sha256 !== sha256) mismatches.push(`the job lists ${file.sha256}`);
  if (!inManifest && !file.sha256) mismatches.push('no checksum is listed for it');
  return mismatches;
}

/** Streams one file to `path`, hashing it on the way; answers its SHA-256 (hex) and size. */
async function fetchTo(
  client: HttpClient,
  file: ExportFile,
  path: string,
  onBytes: (bytes: number) => void,
): Promise<{ sha256: string; bytes: number }> {
  const response = await client.request('GET', file.url ?? '', { timeoutMs: 0 });
  if (!response.body) throw new Error('the answer has no body');
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(bytes);
      callback(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, createWriteStream(path));
  return { sha256: hash.digest('hex'), bytes };
}
