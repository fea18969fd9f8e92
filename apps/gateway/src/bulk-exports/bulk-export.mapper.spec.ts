import { exportsV1, tenancy } from '@exportd/contracts';
import { conflictBody, createdBody, elapsedText, jobBody, listItem, notFoundBody, seedTime } from './bulk-export.mapper';

const app: tenancy.App = { id: 'NX-51f4acf7', name: 'production', plan: 'enterprise', trackingKey: 'tk_x' };
const chunks = ['2024-05-01', '2024-06-01', '2024-07-01', '2024-08-01', '2024-09-01'];

function job(fields: Partial<exportsV1.ExportJob>): exportsV1.ExportJob {
  return {
    id: '664314e1-ee60-48eb-a36a-5f38f4c524f1',
    api: exportsV1.ExportApi.EXPORT_API_BULK,
    status: exportsV1.JobStatus.JOB_STATUS_COMPLETED,
    dataTypes: [],
    format: exportsV1.ExportFormat.EXPORT_FORMAT_JSON,
    compression: exportsV1.ExportCompression.EXPORT_COMPRESSION_GZIP,
    fromDay: '2024-05-01',
    toDay: '2024-09-30',
    history: '',
    eventTypes: [],
    userIds: [],
    companyIds: [],
    exclusions: false,
    filter: '',
    partitions: chunks,
    completedPartitions: chunks,
    currentPartition: '2024-09-01',
    files: [],
    manifestUrl: '',
    error: '',
    scheduleId: '',
    retentionTruncated: false,
    retainedFrom: '',
    createdAt: new Date('2024-09-22T13:17:26.864Z'),
    finishedAt: new Date('2024-09-22T13:18:11.558Z'),
    ...fields,
  };
}

describe('Bulk Data Export API bodies (seed 002)', () => {
  it('writes times as the seed does', () => {
    expect(seedTime(new Date('2024-10-06T10:44:50.999Z'), false)).toBe('2024-10-06T10:44:50.999000');
    expect(seedTime(new Date('2024-10-06T10:44:50.999Z'), true)).toBe('2024-10-06T10:44:50.999000Z');
    expect(seedTime(undefined, true)).toBeNull();
  });

  it('201 body', () => {
    expect(
      createdBody(app, job({ id: '86f4dd75-00c8-40cd-ac6a-3dce8440be0c', createdAt: new Date('2024-10-06T10:44:50.999Z') })),
    ).toEqual({
      environment_app_token: 'NX-51f4acf7',
      environment_name: 'production',
      job_id: '86f4dd75-00c8-40cd-ac6a-3dce8440be0c',
      links: '/api/v1/analytics/exports/jobs/86f4dd75-00c8-40cd-ac6a-3dce8440be0c',
      start_time: '2024-10-06T10:44:50.999000',
    });
  });

  it('list item', () => {
    expect(listItem(job({}), new Date('2030-01-01T00:00:00Z'))).toEqual({
      elapsed_time: '45 seconds',
      elapsed_time_seconds: 45,
      end_time: '2024-09-22T13:18:11.558000Z',
      job_id: '664314e1-ee60-48eb-a36a-5f38f4c524f1',
      progress: '5 out of 5 partitions',
      start_time: '2024-09-22T13:17:26.864000',
      status: 'completed',
    });
  });

  it('a running job: elapsed up to now, no end time, pending shown as in_progress', () => {
    const running = job({
      status: exportsV1.JobStatus.JOB_STATUS_PENDING,
      finishedAt: undefined,
      completedPartitions: chunks.slice(0, 2),
      currentPartition: '2024-07-01',
    });
    const now = new Date('2024-09-22T13:17:27.900Z');
    expect(listItem(running, now)).toMatchObject({
      elapsed_time: '1 second',
      end_time: null,
      progress: '2 out of 5 partitions',
      status: 'in_progress',
    });
    expect(elapsedText(0)).toBe('0 seconds');
  });

  it('job by id: the seed fields, presigned URLs by filename', () => {
    const body = jobBody(
      app,
      job({
        files: [
          {
            filename: '2024-05-01.json.gz',
            url: 'https://s3/a?X-Amz-Signature=1',
            rows: 3,
            bytes: 10,
            sha256: 'ab',
          },
        ],
      }),
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(body).toMatchObject({
      app_token: 'NX-51f4acf7',
      completed_chunks: chunks,
      current_chunk: '2024-09-01',
      end_time: '2024-09-22T13:18:11.558000Z',
      job_id: '664314e1-ee60-48eb-a36a-5f38f4c524f1',
      presigned_urls: [{ filename: '2024-05-01.json.gz', url: 'https://s3/a?X-Amz-Signature=1' }],
      progress: '5 out of 5 partitions',
      start_time: '2024-09-22T13:17:26.864000Z',
      status: 'completed',
      all_chunks: chunks,
      type: 'export',
    });
  });

  it('error bodies', () => {
    expect(conflictBody().errors[0]).toMatchObject({ error: 'Conflict', error_code: '409' });
    expect(notFoundBody('ba11', 'NX-51f4acf7')).toEqual({
      errors: [
        {
          details: null,
          error: 'Resource not found',
          error_code: '404',
          message: 'Failed to retrieve job with id ba11 for application NX-51f4acf7: job not found',
        },
      ],
    });
  });
});
