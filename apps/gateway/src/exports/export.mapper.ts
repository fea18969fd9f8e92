import { exportsV1 } from '@exportd/contracts';

/** The on-demand export's job body (seed 003): camelCase, with status, progress and download links. */
export function exportBody(job: exportsV1.ExportJob) {
  return {
    id: job.id,
    status: job.status,
    startDate: job.fromDay,
    endDate: job.toDay,
    dataTypes: job.datasets,
    format: job.format,
    filters: { userIds: job.userIds, companyIds: job.companyIds, eventTypes: job.eventTypes },
    filter: job.filters[0] ?? null,
    exclusions: job.exclusions,
    progress: { completedPartitions: job.completedChunks.length, totalPartitions: job.allChunks.length },
    createdAt: job.createdAt?.toISOString() ?? null,
    completedAt: job.finishedAt?.toISOString() ?? null,
    expiresAt: job.linksExpireAt?.toISOString() ?? null,
    files: job.files.map((f) => ({ filename: f.filename, url: f.url || null, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
    manifestUrl: job.manifestUrl || null,
    error: job.error || null,
  };
}

/** Whole days from `start` to `end` (both YYYY-MM-DD). */
export function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);
}

export const MAX_RANGE_DAYS = 30;
