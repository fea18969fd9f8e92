import { CliError } from '../cli-error';
import { isRecord } from '../http-client';

export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

export interface ExportFile {
  filename: string;
  /** Presigned link; null once the links have expired. */
  url: string | null;
  rows: number;
  bytes: number;
  sha256: string;
}

/** The on-demand export's job body (`GET /api/v1/exports/{id}`), the fields the CLI reads. */
export interface ExportJob {
  id: string;
  status: JobStatus;
  startDate: string | null;
  endDate: string | null;
  history: string | null;
  dataTypes: string[];
  format: string;
  progress: { completedPartitions: number; totalPartitions: number };
  createdAt: string | null;
  completedAt: string | null;
  expiresAt: string | null;
  files: ExportFile[];
  manifestUrl: string | null;
  error: string | null;
}

/** `manifest.json` of a completed job: each file's rows, bytes and SHA-256. */
export interface Manifest {
  job_id: string;
  files: { filename: string; key: string; partition: string; rows: number; bytes: number; sha256: string }[];
}

export const ENDED: ReadonlySet<string> = new Set<JobStatus>(['completed', 'failed', 'cancelled']);

/** Checks the fields the CLI relies on, so a changed body is a clear error rather than a crash later. */
export function exportJobOf(body: unknown): ExportJob {
  if (
    !isRecord(body) ||
    typeof body.id !== 'string' ||
    typeof body.status !== 'string' ||
    !isRecord(body.progress) ||
    !Array.isArray(body.files)
  ) {
    throw new CliError(`the platform answered an export job this CLI does not understand: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return body as unknown as ExportJob;
}

export function manifestOf(body: unknown): Manifest {
  if (!isRecord(body) || !Array.isArray(body.files)) {
    throw new CliError(`the job's manifest.json is not a manifest: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return body as unknown as Manifest;
}

export function totalRows(job: ExportJob): number {
  return job.files.reduce((sum, file) => sum + file.rows, 0);
}

export function totalBytes(job: ExportJob): number {
  return job.files.reduce((sum, file) => sum + file.bytes, 0);
}
