import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as pause } from 'node:timers/promises';
import { ApiError, CliError, NetworkError } from '../cli-error';
import { apiErrorOf, backoffMs, HttpClient, isRecord } from '../http-client';
import type { Progress } from '../progress';
import { Batcher, BatchLimits, bulkBody, callOfLine, LineCall } from './jsonl-calls';

export interface TrackUploadOptions {
  file: string;
  trackingKey: string;
  limits: BatchLimits;
  /** Names the file in derived messageIds (default: its real path). */
  source?: string;
  /** `type` of lines that have none. */
  defaultType?: string;
  progress: Progress;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts of one batch after 502/503/504 or a network failure. */
  maxAttempts?: number;
  /** Ctrl-C: stops the upload (the batch in flight may or may not be stored; a re-run sends it again). */
  signal?: AbortSignal;
}

export interface TrackUploadResult {
  calls: number;
  requests: number;
  assignedMessageIds: number;
}

const MAX_RATE_LIMIT_WAITS = 30;
/** Problems shown of a refused batch (the platform names every wrong field). */
const SHOWN_PROBLEMS = 10;

/**
 * Uploads a JSON Lines file of tracking calls through `POST /{trackingKey}/bulk`, one batch at a time. Every
 * call carries a messageId (derived when the line has none), so a batch may be sent again and a re-run of
 * the file after an interruption stores nothing twice: 429 is waited out (Retry-After), 502/503/504 and
 * network failures are retried with back-off, a 413 splits the batch. A 400 stops the upload naming the
 * file's lines; the batches before it are stored.
 */
export async function uploadTrackingFile(client: HttpClient, options: TrackUploadOptions): Promise<TrackUploadResult> {
  let size: number;
  let source: string;
  try {
    size = statSync(options.file).size;
    source = options.source ?? realpathSync(options.file);
  } catch (error) {
    throw new CliError(`cannot read ${options.file}: ${(error as Error).message}`);
  }
  const label = options.file;
  // A wait (back-off, Retry-After) ends early on Ctrl-C; the next attempt then sees the signal.
  const sleep =
    options.sleep ??
    ((ms: number) =>
      pause(ms, undefined, { signal: options.signal }).then(
        () => undefined,
        () => undefined,
      ));
  const maxAttempts = options.maxAttempts ?? 8;
  const result: TrackUploadResult = { calls: 0, requests: 0, assignedMessageIds: 0 };
  const path = `/${encodeURIComponent(options.trackingKey)}/bulk`;
  let bytesDone = 0;
  let bytesRead = 0;
  let pendingBytes = 0;

  const post = async (batch: LineCall[]): Promise<void> => {
    let rateLimitWaits = 0;
    for (let attempt = 1; ; ) {
      let response: Response;
      try {
        response = await client.send('POST', path, { rawBody: bulkBody(batch), signal: options.signal });
      } catch (error) {
        if (options.signal?.aborted) throw interrupted(result, label);
        if (attempt >= maxAttempts || !(error instanceof NetworkError && error.transient)) throw error;
        await sleep(backoffMs(attempt++));
        continue;
      }
      result.requests += 1;
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      const failure = await apiErrorOf(response);
      if (failure.status === 429 && rateLimitWaits++ < MAX_RATE_LIMIT_WAITS) {
        await sleep(Math.min((failure.retryAfterSeconds ?? 1) * 1000, 60_000));
        continue;
      }
      if ([502, 503, 504].includes(failure.status) && attempt < maxAttempts) {
        await sleep(backoffMs(attempt++));
        continue;
      }
      if (failure.status === 413 && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await post(batch.slice(0, half));
        await post(batch.slice(half));
        return;
      }
      throw describeRefusal(failure, batch, label);
    }
  };

  const send = async (batch: LineCall[] | undefined, bytes: number): Promise<void> => {
    if (!batch) return;
    if (options.signal?.aborted) throw interrupted(result, label);
    await post(batch);
    result.calls += batch.length;
    result.assignedMessageIds += batch.filter((c) => c.assignedMessageId).length;
    bytesDone += bytes;
    options.progress.update(bytesDone, { calls: result.calls });
  };

  const batcher = new Batcher(options.limits, label);
  const input = createReadStream(options.file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  options.progress.start(Math.max(size, 1), 0, { calls: 0 });
  try {
    let line = 0;
    for await (const text of lines) {
      line += 1;
      const lineBytes = Buffer.byteLength(text) + 1;
      bytesRead += lineBytes;
      const call = callOfLine(text, line, { source, label, defaultType: options.defaultType });
      if (!call) {
        pendingBytes += lineBytes;
        continue;
      }
      const full = batcher.add(call);
      if (full) {
        // The bytes of every line before this one belong to the batch being sent.
        await send(full, pendingBytes);
        pendingBytes = 0;
      }
      pendingBytes += lineBytes;
    }
    await send(batcher.flush(), pendingBytes);
    options.progress.update(Math.max(size, bytesRead, 1), { calls: result.calls });
  } finally {
    options.progress.stop();
    lines.close();
    input.destroy();
  }
  return result;
}

/** Exit code of a run stopped by SIGINT (128 + 2, as shells report it). */
export const INTERRUPTED_EXIT_CODE = 130;

function interrupted(result: TrackUploadResult, label: string): CliError {
  return new CliError(
    `interrupted: ${result.calls} calls of ${label} were stored before; run the same command again to send the rest (the platform stores each messageId once)`,
    INTERRUPTED_EXIT_CODE,
  );
}

/**
 * A refused batch as a CliError: the platform's field problems (`<index>.<field>`) named by file line, or
 * its message.
 */
export function describeRefusal(failure: ApiError, batch: readonly LineCall[], label: string): CliError {
  if (failure.status === 401) {
    return new CliError(`${failure.message} (pass the app's tracking key with --key or EXPORTD_TRACKING_KEY)`);
  }
  const problems = Array.isArray(failure.details) ? failure.details.filter(isRecord) : [];
  const named = problems.flatMap((problem) => {
    const match = /^(\d+)(?:\.(.*))?$/.exec(typeof problem.field === 'string' ? problem.field : '');
    const call = match ? batch[Number(match[1])] : undefined;
    if (!match || !call) return [];
    const what = Array.isArray(problem.problems) ? problem.problems.join(', ') : 'is wrong';
    return [`${label}:${call.line}: ${match[2] ? `${match[2]}: ` : ''}${what}`];
  });
  if (named.length === 0)
    return new CliError(`lines ${batch[0]?.line}-${batch[batch.length - 1]?.line} of ${label}: ${failure.message}`);
  const more = named.length > SHOWN_PROBLEMS ? `; and ${named.length - SHOWN_PROBLEMS} more` : '';
  return new CliError(
    `the platform refused lines ${batch[0]?.line}-${batch[batch.length - 1]?.line} (nothing of them stored): ${named.slice(0, SHOWN_PROBLEMS).join('; ')}${more}`,
  );
}
