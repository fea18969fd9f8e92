import { exportsV1, tenancy } from '@exportd/contracts';
import { formatName, statusName } from '../exports/export-job-contract';

/**
 * Bodies of the Bulk Data Export API (seed 002), built from the export-job contract. Pure functions, so the
 * shapes are unit-tested; `now` is passed in.
 */

/** The seed writes times with microseconds: `2024-10-06T10:44:50.999504`, some with a trailing `Z`. */
export function seedTime(date: Date | undefined, zone: boolean): string | null {
  if (!date) return null;
  const iso = date.toISOString();
  return `${iso.slice(0, 23)}000${zone ? 'Z' : ''}`;
}

/** The seed shows three statuses; a job not yet started is `in_progress` there. */
export function seedStatus(status: exportsV1.JobStatus): string {
  return status === exportsV1.JobStatus.JOB_STATUS_PENDING ? 'in_progress' : statusName(status);
}

export function elapsedSeconds(job: exportsV1.ExportJob, now: Date): number {
  const start = job.createdAt?.getTime() ?? now.getTime();
  const end = job.finishedAt?.getTime() ?? now.getTime();
  return Math.max(0, Math.round((end - start) / 1000));
}

export function elapsedText(seconds: number): string {
  return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
}

export function progressText(job: exportsV1.ExportJob): string {
  return `${job.completedPartitions.length} out of ${job.partitions.length} partitions`;
}

export function jobLink(jobId: string): string {
  return `/api/v1/analytics/exports/jobs/${jobId}`;
}

export function createdBody(app: tenancy.App, job: exportsV1.ExportJob) {
  return {
    environment_app_token: app.id,
    environment_name: app.name,
    job_id: job.id,
    links: jobLink(job.id),
    start_time: seedTime(job.createdAt, false),
  };
}

export function listItem(job: exportsV1.ExportJob, now: Date) {
  const seconds = elapsedSeconds(job, now);
  return {
    elapsed_time: elapsedText(seconds),
    elapsed_time_seconds: seconds,
    end_time: seedTime(job.finishedAt, true),
    job_id: job.id,
    progress: progressText(job),
    start_time: seedTime(job.createdAt, false),
    status: seedStatus(job.status),
  };
}

export function jobBody(app: tenancy.App, job: exportsV1.ExportJob, now: Date) {
  const seconds = elapsedSeconds(job, now);
  return {
    app_token: app.id,
    completed_chunks: job.completedPartitions,
    current_chunk: job.currentPartition || null,
    end_time: seedTime(job.finishedAt, true),
    job_id: job.id,
    presigned_urls: job.files.filter((f) => f.url).map((f) => ({ filename: f.filename, url: f.url })),
    progress: progressText(job),
    start_time: seedTime(job.createdAt, true),
    status: seedStatus(job.status),
    all_chunks: job.partitions,
    type: 'export',
    // Beyond the seed: what the engine adds.
    elapsed_time: elapsedText(seconds),
    elapsed_time_seconds: seconds,
    format: formatName(job.format),
    from: job.fromDay,
    to: job.toDay,
    error: job.error || null,
    files: job.files.map((f) => ({ filename: f.filename, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
    manifest_url: job.manifestUrl || null,
    links_expire_at: job.linksExpireAt ? job.linksExpireAt.toISOString() : null,
    retention_truncated: job.retentionTruncated,
    retained_from: job.retainedFrom || null,
  };
}

export function conflictBody() {
  return {
    errors: [
      {
        details: 'There is already an export job in progress, you can only have one export job in progress at a time.',
        error: 'Conflict',
        error_code: '409',
        message: 'The request could not be completed due to a conflict with the current state of the target resource.',
      },
    ],
  };
}

export function notFoundBody(jobId: string, appToken: string) {
  return {
    errors: [
      {
        details: null,
        error: 'Resource not found',
        error_code: '404',
        message: `Failed to retrieve job with id ${jobId} for application ${appToken}: job not found`,
      },
    ],
  };
}
