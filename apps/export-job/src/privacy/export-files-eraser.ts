import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { contentType } from '../formats/file-encoding';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { lookUpEach } from '../db/records';
import { ExportJobRecord, ExportJobRepository, FileRevisionRecord, JobEndRecord } from '../jobs/export-job.repository';
import { currentFiles, ExportJobsService, objectKey } from '../jobs/export-jobs.service';
import { ExportStorage } from '../storage/export-storage';
import { redactStoredFile, StoredFileKind } from './file-redaction';
import { RecordCount } from './privacy-request.repository';

/** An erasure step that cannot run yet (an export that may still read the user's rows is in progress). */
export class NotYet extends Error {}

/**
 * Takes an erased user out of every export file of the app still in the platform's bucket:
 * - a completed job's file that holds the user's rows is rewritten without them under a new key (one per
 *   request, so a retry rewrites to the same object), recorded as a file revision, and only then the old
 *   object is deleted; the job's manifest is written again with the current files. Links are signed for
 *   the new keys from then on; links handed out before point at deleted objects.
 * - a failed or cancelled job's files (never downloadable) are deleted whole.
 * Files already copied into a customer's own bucket (scheduled deliveries) are beyond the platform's reach.
 */
@Injectable()
export class ExportFilesEraser {
  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly jobs: ExportJobRepository,
    private readonly exports: ExportJobsService,
    private readonly storage: ExportStorage,
    private readonly clock: Clock,
  ) {}

  /**
   * Rewrites the app's files without the user; answers what it did for this request (folded from the
   * revisions it recorded, so a retry after a crash answers the same totals). Throws NotYet while a job
   * created before `erasedAt` (when ingestion erased the user's calls) is still running.
   */
  async erase(appId: string, userId: string, requestId: string, erasedAt: Date, signal: AbortSignal): Promise<RecordCount[]> {
    const jobs = await this.jobs.appJobsWithFiles(appId);
    const ends = await lookUpEach(jobs, (job) => this.jobs.findEnd(appId, job._id));
    const running = jobs.find((job, i) => !ends[i] && job.createdAt.getTime() <= erasedAt.getTime());
    if (running) throw new NotYet(`export ${running._id} may still read the user's rows; waiting for it to end`);

    let deletedFiles = 0;
    const revised: FileRevisionRecord[] = [];
    for (const [i, job] of jobs.entries()) {
      const end = ends[i];
      if (!end || (await this.jobs.isDeleted(appId, job._id))) continue;
      if (end.status !== 'completed') {
        deletedFiles += await this.storage.deletePrefix(objectKey(appId, job._id, ''));
        continue;
      }
      if (job.dataTypes.every((type) => type === 'company_features')) continue; // no user in these rows
      revised.push(...(await this.eraseFromJob(job, end, userId, requestId, signal)));
    }
    return [
      { name: 'export_files_rewritten', count: revised.length },
      { name: 'export_rows_removed', count: revised.reduce((sum, r) => sum + r.removedRows, 0) },
      { name: 'export_rows_edited', count: revised.reduce((sum, r) => sum + r.editedRows, 0) },
      { name: 'export_files_deleted', count: deletedFiles },
    ];
  }

  /** One completed job: answers this request's revisions of its files. */
  private async eraseFromJob(
    job: ExportJobRecord,
    end: JobEndRecord,
    userId: string,
    requestId: string,
    signal: AbortSignal,
  ): Promise<FileRevisionRecord[]> {
    const revisions = await this.jobs.listFileRevisions(job.appId, job._id);
    const earlier = revisions.filter((r) => r.requestId !== requestId);
    const mine = revisions.filter((r) => r.requestId === requestId);
    const kind: StoredFileKind = job.coveo
      ? { zipDialect: job.coveo.csvFormat === 'no_newline' ? 'no_newline' : 'rfc4180' }
      : { format: job.format, compression: job.compression ?? 'gzip' };
    const gzipLevel = this.env.EXPORT_GZIP_LEVEL;
    for (const file of currentFiles(end, earlier)) {
      if (mine.some((r) => r.partition === file.partition)) {
        // Rewritten by an earlier attempt of this request, which may have died before deleting the old object.
        await this.storage.deletePrefix(file.key);
        continue;
      }
      const read = () => this.storage.read(file.key, signal);
      const counted = await redactStoredFile(kind, { userId, read, gzipLevel, signal });
      if (counted.removedRows === 0 && counted.editedRows === 0) continue;
      const key = objectKey(job.appId, job._id, `redacted-${requestId}/${file.filename}`);
      const type = job.coveo ? 'application/zip' : contentType(job.format, job.compression ?? 'gzip');
      const written = await redactStoredFile(kind, {
        userId,
        read,
        gzipLevel,
        signal,
        sink: (body) => this.storage.upload(key, body, type, signal),
      });
      const revision: FileRevisionRecord = {
        _id: `${job._id}|${file.partition}|${requestId}`,
        appId: job.appId,
        jobId: job._id,
        partition: file.partition,
        requestId,
        file: { ...file, key, rows: written.keptRows, bytes: written.bytes, sha256: written.sha256 },
        removedRows: written.removedRows,
        editedRows: written.editedRows,
        at: this.clock.now(),
      };
      await this.jobs.insertFileRevision(revision);
      await this.storage.deletePrefix(file.key);
      mine.push(revision);
    }
    if (mine.length > 0) await this.exports.writeManifest(job, currentFiles(end, [...earlier, ...mine]));
    return mine;
  }
}
