import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExportJobsService, ExportJobView } from '../jobs/export-jobs.service';
import { ExportRequest } from '../jobs/export-request';

/** Export jobs one run tries before its attempt fails (each a new job: a failed job stays failed). */
const JOBS_PER_RUN = 5;

/**
 * The id of a run's job: derived from the run, so an attempt redone after its process died finds the job the
 * dead one created instead of exporting (and notifying) twice. `generation` counts jobs that failed.
 */
export function runJobId(runId: string, generation = 1): string {
  const hex = createHash('sha256').update(`${runId}#${generation}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A scheduled run's export job, created if needed, once it has completed: the job of the run's first
 * generation that has not failed (a redone attempt finds the job a dead process created). A failed job fails
 * the attempt; the next attempt makes the next generation's job.
 */
export async function runExportJob(
  jobs: ExportJobsService,
  appId: string,
  runId: string,
  request: ExportRequest,
  signal: AbortSignal,
): Promise<ExportJobView> {
  let generation = 1;
  for (; generation <= JOBS_PER_RUN; generation++) {
    const found = await jobs.find(appId, runJobId(runId, generation));
    if (!found || (found.status !== 'failed' && found.status !== 'cancelled')) break;
  }
  if (generation > JOBS_PER_RUN) throw new Error(`the export failed ${JOBS_PER_RUN} times`);
  const created = await jobs.create(appId, request, runJobId(runId, generation));
  for (;;) {
    const view = await jobs.find(appId, created.job._id);
    if (view?.status === 'completed') return view;
    if (view && (view.status === 'failed' || view.status === 'cancelled'))
      throw new Error(`export ${view.job._id} ${view.status}: ${view.error ?? 'no error given'}`);
    await sleep(500, undefined, { signal });
  }
}
