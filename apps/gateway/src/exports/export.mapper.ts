import { exportsV1 } from '@exportd/contracts';
import { compressionName, dataTypeName, formatName, statusName } from './export-job-contract';

/** The on-demand export's job body (seed 003): camelCase, with status, progress and download links. */
export function exportBody(job: exportsV1.ExportJob) {
  return {
    id: job.id,
    status: statusName(job.status),
    startDate: job.fromDay || null,
    endDate: job.toDay || null,
    history: job.history || null,
    dataTypes: job.dataTypes.map(dataTypeName),
    format: formatName(job.format),
    compression: compressionName(job.compression),
    filters: { userIds: job.userIds, companyIds: job.companyIds, eventTypes: job.eventTypes },
    filter: job.filter || null,
    exclusions: job.exclusions,
    progress: { completedPartitions: job.completedPartitions.length, totalPartitions: job.partitions.length },
    createdAt: job.createdAt?.toISOString() ?? null,
    completedAt: job.finishedAt?.toISOString() ?? null,
    expiresAt: job.linksExpireAt?.toISOString() ?? null,
    files: job.files.map((f) => ({ filename: f.filename, url: f.url || null, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
    manifestUrl: job.manifestUrl || null,
    error: job.error || null,
    scheduleId: job.scheduleId || null,
    retention_truncated: job.retentionTruncated,
    retained_from: job.retainedFrom || null,
  };
}
