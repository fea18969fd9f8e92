import { exportsV1 } from '@exportd/contracts';
import { ExportJobView } from './export-jobs.service';

/** Domain view -> proto. */
export function toProtoJob(view: ExportJobView): exportsV1.ExportJob {
  const { job } = view;
  return {
    id: job._id,
    appId: job.appId,
    status: view.status,
    datasets: job.datasets,
    format: job.format,
    fromDay: job.fromDay,
    toDay: job.toDay,
    eventTypes: job.eventTypes,
    userIds: job.userIds,
    companyIds: job.companyIds,
    segmentId: job.segmentId,
    history: job.history ?? '',
    exclusions: job.exclusions,
    emails: job.emails,
    filters: job.filters,
    allChunks: job.partitionKeys,
    completedChunks: view.completedChunks,
    currentChunk: view.currentChunk,
    files: view.files.map((f) => ({
      filename: f.filename,
      url: f.url,
      rows: f.rows,
      bytes: f.bytes,
      sha256: f.sha256,
      partition: f.partition,
    })),
    error: view.error ?? '',
    createdAt: job.createdAt,
    startedAt: view.startedAt ?? undefined,
    finishedAt: view.finishedAt ?? undefined,
    linksExpireAt: view.linksExpireAt ?? undefined,
    api: job.api,
    manifestUrl: view.manifestUrl,
  };
}

/** The job as the notification's webhook data shows it (snake_case, like the Bulk Data Export API). */
export function publicJobJson(view: ExportJobView): Record<string, unknown> {
  const { job } = view;
  return {
    job_id: job._id,
    app_token: job.appId,
    type: 'export',
    api: job.api,
    status: view.status,
    format: job.format,
    from: job.fromDay,
    to: job.toDay,
    datasets: job.datasets,
    all_chunks: job.partitionKeys,
    completed_chunks: view.completedChunks,
    start_time: job.createdAt.toISOString(),
    end_time: view.finishedAt ? view.finishedAt.toISOString() : null,
    error: view.error ?? null,
    files: view.files.map((f) => ({ filename: f.filename, url: f.url, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
    manifest_url: view.manifestUrl || null,
    links_expire_at: view.linksExpireAt ? view.linksExpireAt.toISOString() : null,
  };
}
