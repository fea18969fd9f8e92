import { exportsV1 } from '@exportd/contracts';

/** Coveo's export status words. */
export type CoveoExportStatus = 'PENDING' | 'AVAILABLE' | 'FAILED' | 'EXPIRED';

/**
 * PENDING while queued or running; AVAILABLE once completed with a valid link; EXPIRED once its files were
 * deleted or its link ran out; FAILED otherwise (a cancelled job only exists deleted, and is then not found).
 */
export function coveoStatus(job: exportsV1.ExportJob): CoveoExportStatus {
  switch (job.status) {
    case exportsV1.JobStatus.JOB_STATUS_PENDING:
    case exportsV1.JobStatus.JOB_STATUS_IN_PROGRESS:
      return 'PENDING';
    case exportsV1.JobStatus.JOB_STATUS_COMPLETED:
      return !job.coveo?.filesDeleted && zipUrl(job) ? 'AVAILABLE' : 'EXPIRED';
    default:
      return 'FAILED';
  }
}

/** The zip's presigned link; empty unless completed and not expired. */
export function zipUrl(job: exportsV1.ExportJob): string {
  return job.files[0]?.url ?? '';
}

const epochMs = (date: Date | undefined): number | null => (date ? date.getTime() : null);

/** Coveo's export body (seed 004); `to` is the window's exclusive end as asked. */
export function coveoExportBody(job: exportsV1.ExportJob, baseUrl: string) {
  const coveo = job.coveo;
  const status = coveoStatus(job);
  const filters: Record<string, string> = {};
  if (job.filter) filters.f = job.filter;
  if (coveo?.eventsFilter) filters.fc = coveo.eventsFilter;
  return {
    id: job.id,
    author: coveo?.author ?? '',
    downloadLink: `${baseUrl}/rest/ua/v15/exports/${encodeURIComponent(job.id)}?redirect=true`,
    startDate: epochMs(job.createdAt),
    from: epochMs(coveo?.timeFrom),
    to: epochMs(coveo?.timeTo),
    filters,
    description: coveo?.description || null,
    filename: coveo?.filename ?? '',
    size: coveo?.size ?? 0,
    status,
    error: job.error || null,
    tables: coveo?.tables ?? [],
    downloadable: status === 'PENDING' || status === 'AVAILABLE',
    dimensions: coveo?.dimensions ?? [],
    replayable: false,
    usingDisplayNames: coveo?.useDisplayNames ?? false,
    scheduleId: job.scheduleId || null,
  };
}
