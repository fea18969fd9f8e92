import { exportsV1 } from '@exportd/contracts';
import { coveoStatus } from './coveo-export.mapper';

const { JobStatus } = exportsV1;

/** Only the fields coveoStatus reads; the rest of the message does not matter here. */
const job = (status: exportsV1.JobStatus, fields: { url?: string; filesDeleted?: boolean } = {}) =>
  ({
    status,
    files: fields.url === undefined ? [] : [{ filename: 'export.zip', url: fields.url, rows: 1, bytes: 1, sha256: 'x' }],
    coveo: { filesDeleted: fields.filesDeleted ?? false },
  }) as unknown as exportsV1.ExportJob;

describe(coveoStatus.name, () => {
  it('is PENDING while queued or running (what GET ?redirect=true answers with a 409)', () => {
    expect(coveoStatus(job(JobStatus.JOB_STATUS_PENDING))).toBe('PENDING');
    expect(coveoStatus(job(JobStatus.JOB_STATUS_IN_PROGRESS))).toBe('PENDING');
  });

  it('is AVAILABLE once completed with a link, EXPIRED once the link or the files are gone, FAILED otherwise', () => {
    expect(coveoStatus(job(JobStatus.JOB_STATUS_COMPLETED, { url: 'https://s3/x.zip?X-Amz-Signature=1' }))).toBe('AVAILABLE');
    expect(coveoStatus(job(JobStatus.JOB_STATUS_COMPLETED, { url: '' }))).toBe('EXPIRED');
    expect(coveoStatus(job(JobStatus.JOB_STATUS_COMPLETED, { url: 'https://s3/x.zip', filesDeleted: true }))).toBe('EXPIRED');
    expect(coveoStatus(job(JobStatus.JOB_STATUS_FAILED))).toBe('FAILED');
  });
});
