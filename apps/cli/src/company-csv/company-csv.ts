import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { CliError } from '../cli-error';
import { HttpClient } from '../http-client';

export interface CompanyCsvOptions {
  apiKey: string;
  history: string;
  /** A file path, or `-` for stdout. */
  out: string;
  stdout: NodeJS.WritableStream;
}

/**
 * The company data export (`GET /api/v1/data-export/companies?history=...`), the CSV written as the platform
 * streams it: to a file (through `<file>.part`, renamed once complete, so an interrupted download leaves no
 * file that looks whole) or to stdout. Answers the bytes written.
 */
export async function downloadCompanyCsv(client: HttpClient, options: CompanyCsvOptions): Promise<number> {
  const path = `/api/v1/data-export/companies?history=${encodeURIComponent(options.history)}`;
  const response = await client.request('GET', path, { apiKey: options.apiKey, timeoutMs: 0 });
  if (!response.body) throw new CliError('the company data export answered without a body');
  if (options.out === '-') return copy(response.body, options.stdout, false);
  const partial = `${options.out}.part`;
  const file = createWriteStream(partial);
  try {
    const bytes = await copy(response.body, file, true);
    renameSync(partial, options.out);
    return bytes;
  } catch (error) {
    file.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Copies with backpressure; `end` closes the target (a file), stdout stays open. */
async function copy(body: ReadableStream<Uint8Array>, target: NodeJS.WritableStream, end: boolean): Promise<number> {
  let bytes = 0;
  const failed = once(target, 'error').then(([error]: unknown[]) => {
    throw error;
  });
  const copied = (async () => {
    for await (const chunk of body) {
      bytes += chunk.length;
      if (!target.write(chunk)) await once(target, 'drain');
    }
    if (end) {
      target.end();
      await once(target, 'finish');
    }
    return bytes;
  })();
  try {
    return await Promise.race([copied, failed]);
  } catch (error) {
    throw new CliError(`the company CSV download failed: ${(error as Error).message}`);
  }
}
