import { EmailContent } from '../outbox/delivery.repository';
import { WebhookEventType } from '../webhooks/webhook-event-types';

export interface ExportOutcome {
  jobId: string;
  eventType: WebhookEventType;
  files: { filename: string; url: string; bytes: number; rows: number }[];
  linksExpireAt: Date | null;
  error: string;
}

/** Human sizes: 1023 B, 1.5 KB, 12.3 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The email of a finished export: subject, plain text and HTML, each with every file's link, size and rows.
 * Null for an event that is not emailed: a schedule's repeated failures go to its subscribed webhooks only.
 */
export function renderExportEmail(outcome: ExportOutcome): EmailContent | null {
  switch (outcome.eventType) {
    case 'export.completed':
      return completedEmail(outcome);
    case 'export.failed':
      return failedEmail(outcome);
    case 'export.automatic.failed':
      return null;
  }
}

function failedEmail(outcome: ExportOutcome): EmailContent {
  const reason = outcome.error || 'no reason was recorded';
  return {
    subject: `Export ${outcome.jobId} failed`,
    text: [
      `Your data export ${outcome.jobId} failed.`,
      '',
      `What failed: ${reason}`,
      '',
      'No files were delivered. You can start the export again; if it keeps failing, contact support with the job id.',
    ].join('\n'),
    html: [
      `<p>Your data export <strong>${escapeHtml(outcome.jobId)}</strong> failed.</p>`,
      `<p>What failed: ${escapeHtml(reason)}</p>`,
      '<p>No files were delivered. You can start the export again; if it keeps failing, contact support with the job id.</p>',
    ].join('\n'),
  };
}

function completedEmail(outcome: ExportOutcome): EmailContent {
  const count = outcome.files.length;
  const expiry = outcome.linksExpireAt ? `The links expire on ${utc(outcome.linksExpireAt)}.` : '';
  const lines = outcome.files.map((f) => `- ${f.filename} (${formatBytes(f.bytes)}, ${f.rows} rows)\n  ${f.url}`);
  const items = outcome.files.map(
    (f) =>
      `<li><a href="${escapeHtml(f.url)}">${escapeHtml(f.filename)}</a> (${escapeHtml(formatBytes(f.bytes))}, ${f.rows} rows)</li>`,
  );
  return {
    subject: `Your export ${outcome.jobId} is ready (${count} ${count === 1 ? 'file' : 'files'})`,
    text: [
      `Your data export ${outcome.jobId} is ready. Download ${count === 1 ? 'the file' : 'the files'}:`,
      '',
      ...lines,
      '',
      expiry,
    ].join('\n'),
    html: [
      `<p>Your data export <strong>${escapeHtml(outcome.jobId)}</strong> is ready. Download ${count === 1 ? 'the file' : 'the files'}:</p>`,
      `<ul>\n${items.join('\n')}\n</ul>`,
      expiry ? `<p>${escapeHtml(expiry)}</p>` : '',
    ].join('\n'),
  };
}
