import { ApiError, CliError, NetworkError } from '../cli-error';
import { HttpClient } from '../http-client';
import type { Progress } from '../progress';
import { ENDED, ExportJob, exportJobOf, totalBytes, totalRows } from './export-job';

export interface WaitOptions {
  id: string;
  apiKey: string;
  intervalMs: number;
  /** 0: no limit. */
  timeoutMs: number;
  progress: Progress;
  /** A line each time the status or the partition count changes (where no bar is drawn); undefined: none. */
  statusLine?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** How long polls may keep failing (network, 5xx) before the wait gives up. */
  outageMs?: number;
}

const DEFAULT_OUTAGE_MS = 120_000;

/** A failure of one poll that a later poll may not have: the gateway restarting, a dropped connection. */
function passing(error: unknown): boolean {
  return (error instanceof NetworkError && error.transient) || (error instanceof ApiError && error.status >= 500);
}

export function jobPath(id: string): string {
  return `/api/v1/exports/${encodeURIComponent(id)}`;
}

export async function readJob(client: HttpClient, id: string, apiKey: string): Promise<ExportJob> {
  return exportJobOf(await client.json('GET', jobPath(id), { apiKey }));
}

/**
 * Polls the job until it ends, showing partitions done out of the job's partitions (rows are known once it
 * has completed: the job body lists rows per file only then). Answers the completed job; a failed or
 * cancelled job is a CliError with the job's error.
 */
export async function waitForExport(client: HttpClient, options: WaitOptions): Promise<ExportJob> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const started = now();
  let shown = '';
  let barStarted = false;
  try {
    let failingSince: number | undefined;
    for (;;) {
      let job: ExportJob;
      try {
        job = await readJob(client, options.id, options.apiKey);
        failingSince = undefined;
      } catch (error) {
        failingSince ??= now();
        if (!passing(error) || now() - failingSince >= (options.outageMs ?? DEFAULT_OUTAGE_MS)) throw error;
        options.statusLine?.(`export ${options.id}: ${(error as Error).message}; polling again`);
        await sleep(options.intervalMs);
        continue;
      }
      const { completedPartitions, totalPartitions } = job.progress;
      const ended = ENDED.has(job.status);
      const rows = job.status === 'completed' ? String(totalRows(job)) : '-';
      const payload = { status: job.status, rows };
      if (!barStarted) {
        options.progress.start(Math.max(totalPartitions, 1), completedPartitions, payload);
        barStarted = true;
      } else {
        options.progress.setTotal(Math.max(totalPartitions, 1));
        options.progress.update(completedPartitions, payload);
      }
      const line = `export ${job.id}: ${job.status}, ${completedPartitions}/${totalPartitions} partitions${
        job.status === 'completed' ? `, ${rows} rows` : ''
      }`;
      if (line !== shown) options.statusLine?.(line);
      shown = line;
      if (ended) {
        options.progress.stop();
        return endOf(job);
      }
      if (options.timeoutMs > 0 && now() - started >= options.timeoutMs) {
        throw new CliError(`export ${job.id} is still ${job.status} after ${Math.round(options.timeoutMs / 1000)} s (--timeout)`);
      }
      await sleep(options.intervalMs);
    }
  } finally {
    options.progress.stop();
  }
}

function endOf(job: ExportJob): ExportJob {
  switch (job.status) {
    case 'completed':
      return job;
    case 'failed':
      throw new CliError(`export ${job.id} failed: ${job.error ?? 'the platform gave no reason'}`);
    case 'cancelled':
      throw new CliError(`export ${job.id} was cancelled${job.error ? `: ${job.error}` : ''}`);
    case 'pending':
    case 'in_progress':
      throw new CliError(`export ${job.id} has not ended`);
  }
}

export function completedSummary(job: ExportJob): string {
  return `export ${job.id} completed: ${job.files.length} files, ${totalRows(job)} rows, ${totalBytes(job)} bytes`;
}
