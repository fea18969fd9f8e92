import { EmailContent } from '../outbox/delivery.repository';
import { ExportOutcome, formatBytes, renderExportEmail } from './export-email';

function rendered(outcome: ExportOutcome): EmailContent {
  const email = renderExportEmail(outcome);
  if (!email) throw new Error(`no email for ${outcome.eventType}`);
  return email;
}

describe('export email', () => {
  it('lists every file with its link, size and rows, and when the links expire', () => {
    const email = rendered({
      jobId: 'job_1',
      eventType: 'export.completed',
      files: [
        { filename: 'events-<1>.json.gz', url: 'https://s3.example.com/a?X-Amz-Signature=1&b=2', bytes: 1_572_864, rows: 1200 },
        { filename: 'users.json.gz', url: 'https://s3.example.com/b', bytes: 512, rows: 3 },
      ],
      linksExpireAt: new Date('2026-05-01T12:30:00Z'),
      error: '',
    });
    expect(email.subject).toBe('Your export job_1 is ready (2 files)');
    expect(email.text).toContain('- events-<1>.json.gz (1.5 MB, 1200 rows)\n  https://s3.example.com/a?X-Amz-Signature=1&b=2');
    expect(email.text).toContain('users.json.gz (512 B, 3 rows)');
    expect(email.text).toContain('The links expire on 2026-05-01 12:30 UTC.');
    expect(email.html).toContain('<a href="https://s3.example.com/a?X-Amz-Signature=1&amp;b=2">events-&lt;1&gt;.json.gz</a>');
    expect(email.html).not.toContain('<1>');
  });

  it('says what failed', () => {
    const email = rendered({
      jobId: 'job_2',
      eventType: 'export.failed',
      files: [],
      linksExpireAt: null,
      error: 'S3 <denied>',
    });
    expect(email.subject).toBe('Export job_2 failed');
    expect(email.text).toContain('What failed: S3 <denied>');
    expect(email.html).toContain('What failed: S3 &lt;denied&gt;');
  });

  it('has no email for a schedule failing repeatedly (its webhooks tell)', () => {
    expect(
      renderExportEmail({ jobId: 'run_3', eventType: 'export.automatic.failed', files: [], linksExpireAt: null, error: 'x' }),
    ).toBeNull();
  });

  it('formats sizes', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1024), formatBytes(5 * 1024 ** 3)]).toEqual([
      '0 B',
      '1023 B',
      '1.0 KB',
      '5.0 GB',
    ]);
  });
});
