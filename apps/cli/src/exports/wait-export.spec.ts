import { HttpClient } from '../http-client';
import { waitForExport } from './wait-export';

const job = (status: string, completed: number, extra: Record<string, unknown> = {}) => ({
  id: 'job_1',
  status,
  progress: { completedPartitions: completed, totalPartitions: 2 },
  files: [],
  error: null,
  ...extra,
});

/** A client whose fetch answers the given bodies (status, body) in turn, and records the paths asked. */
function clientAnswering(answers: [number, unknown][]) {
  const asked: string[] = [];
  const fetch = (async (url: string) => {
    asked.push(url);
    const [status, body] = answers.shift() ?? [500, { error: { status: 500, code: 'x', message: 'no more answers' } }];
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { client: new HttpClient({ baseUrl: 'http://gw', fetch, sleep: async () => undefined, maxAttempts: 1 }), asked };
}

const options = (lines: string[]) => ({
  id: 'job_1',
  apiKey: 'k',
  intervalMs: 1,
  timeoutMs: 0,
  progress: { start: jest.fn(), update: jest.fn(), setTotal: jest.fn(), stop: jest.fn() },
  statusLine: (line: string) => lines.push(line),
  sleep: async () => undefined,
});

describe(waitForExport.name, () => {
  it('polls until the job completes, through a passing 503, one status line per change', async () => {
    const lines: string[] = [];
    const { client, asked } = clientAnswering([
      [200, job('pending', 0)],
      [503, { error: { status: 503, code: 'service_unavailable', message: 'export-job is unavailable' } }],
      [200, job('in_progress', 1)],
      [200, job('in_progress', 1)],
      [200, job('completed', 2, { files: [{ filename: 'a', url: 'u', rows: 5, bytes: 1, sha256: 's' }] })],
    ]);
    const sut = await waitForExport(client, options(lines));
    expect(sut.status).toBe('completed');
    expect(asked).toEqual(Array(5).fill('http://gw/api/v1/exports/job_1'));
    expect(lines).toEqual([
      'export job_1: pending, 0/2 partitions',
      'export job_1: export-job is unavailable; polling again',
      'export job_1: in_progress, 1/2 partitions',
      'export job_1: completed, 2/2 partitions, 5 rows',
    ]);
  });

  it("fails with the job's error when it failed, and says when it was cancelled", async () => {
    const failed = clientAnswering([[200, job('failed', 1, { error: 'partition users: S3 upload failed' })]]);
    await expect(waitForExport(failed.client, options([]))).rejects.toThrow(
      'export job_1 failed: partition users: S3 upload failed',
    );
    const cancelled = clientAnswering([[200, job('cancelled', 0)]]);
    await expect(waitForExport(cancelled.client, options([]))).rejects.toThrow('export job_1 was cancelled');
  });

  it("stops at once with the platform's message on a 404", async () => {
    const { client, asked } = clientAnswering([
      [404, { error: { status: 404, code: 'export_job_not_found', message: 'job not found' } }],
    ]);
    await expect(waitForExport(client, options([]))).rejects.toThrow('job not found');
    expect(asked).toHaveLength(1);
  });
});
