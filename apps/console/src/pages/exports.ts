import { api } from '../api';
import { busy, bytes, checkedValues, fill, h, labelled, utcTime } from '../dom';
import type { Page } from '../main';
import { badge, card, emptyRow, errorBox, idCode, notice, progressBar } from '../ui';

/** GET /api/v1/exports items. */
interface OnDemandExport {
  id: string;
  status: string;
  startDate: string | null;
  endDate: string | null;
  history: string | null;
  dataTypes: string[];
  format: string;
  progress: { completedPartitions: number; totalPartitions: number };
  createdAt: string | null;
  files: { filename: string; url: string | null; rows: number; bytes: number }[];
  manifestUrl: string | null;
  error: string | null;
  scheduleId: string | null;
}

/** GET /api/v1/analytics/exports/jobs/ items, and the job itself for its links. */
interface BulkListItem {
  job_id: string;
  status: string;
  progress: string;
  start_time: string | null;
}
interface BulkJob {
  presigned_urls: { filename: string; url: string }[];
  from: string;
  to: string;
  format: string;
  error: string | null;
}

/** GET /rest/ua/v15/exports items. */
interface CoveoExport {
  id: string;
  startDate: number | null;
  from: number | null;
  to: number | null;
  status: string;
  tables: string[];
  size: number;
  filename: string;
  description: string | null;
  error: string | null;
  scheduleId: string | null;
}

/** One row of the table, whichever API made the job. */
interface JobRow {
  api: 'On-demand' | 'Bulk API' | 'Coveo';
  id: string;
  createdAt: string | number | null;
  what: string;
  status: string;
  done: number;
  total: number;
  links: { label: string; url: string }[];
  note: string | null;
  /** What the Files column says when it has no link. */
  fileNote: string | null;
  error: string | null;
  cancellable: boolean;
}

const RUNNING = new Set(['pending', 'in_progress', 'PENDING']);
const DATA_TYPES = ['events', 'users', 'companies', 'feedback', 'company_features'];

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

function onDemandRow(job: OnDemandExport): JobRow {
  const period = job.history ? `history ${job.history}` : `${job.startDate} → ${job.endDate}`;
  const links = job.files.flatMap((file) => (file.url ? [{ label: file.filename, url: file.url }] : []));
  if (job.manifestUrl) links.push({ label: 'manifest.json', url: job.manifestUrl });
  return {
    api: 'On-demand',
    id: job.id,
    createdAt: job.createdAt,
    what: `${job.dataTypes.join(', ')} · ${period} · ${job.format}`,
    status: job.status,
    done: job.progress.completedPartitions,
    total: job.progress.totalPartitions,
    links,
    note: job.scheduleId ? `schedule ${job.scheduleId}` : null,
    fileNote: null,
    error: job.error,
    cancellable: RUNNING.has(job.status),
  };
}

function bulkRow(item: BulkListItem, job: BulkJob | undefined): JobRow {
  const [done, total] = (/(\d+) out of (\d+)/.exec(item.progress) ?? ['', '0', '0']).slice(1).map(Number);
  return {
    api: 'Bulk API',
    id: item.job_id,
    createdAt: item.start_time,
    what: job ? `events · ${job.from} → ${job.to} · ${job.format}` : 'events',
    status: item.status,
    done,
    total,
    links: (job?.presigned_urls ?? []).map((file) => ({ label: file.filename, url: file.url })),
    note: null,
    fileNote: null,
    error: job?.error ?? null,
    cancellable: false,
  };
}

function coveoRow(item: CoveoExport): JobRow {
  const window = item.from !== null && item.to !== null ? `${utcTime(item.from)} → ${utcTime(item.to)}` : '';
  return {
    api: 'Coveo',
    id: item.id,
    createdAt: item.startDate,
    what: `${item.tables.join(', ')} · ${window}${item.description ? ` · ${item.description}` : ''}`,
    status: item.status,
    done: item.status === 'PENDING' ? 0 : 1,
    total: 1,
    links: [],
    // The zip's link is a 303 from an API-key route: a browser cannot follow it with the key.
    note: null,
    fileNote:
      item.status === 'AVAILABLE' ? `zip, ${bytes(item.size)}: download it through the API with the key (?redirect=true)` : null,
    error: item.error,
    cancellable: false,
  };
}

async function loadJobs(): Promise<{ rows: JobRow[]; problems: unknown[] }> {
  const problems: unknown[] = [];
  const settle = async <T>(call: Promise<T>): Promise<T | undefined> => {
    try {
      return await call;
    } catch (error) {
      problems.push(error);
      return undefined;
    }
  };
  const [onDemand, bulk, coveo] = await Promise.all([
    settle(api<{ data: OnDemandExport[] }>('GET', '/api/v1/exports')),
    settle(api<BulkListItem[]>('GET', '/api/v1/analytics/exports/jobs/')),
    settle(api<{ exports: CoveoExport[] }>('GET', '/rest/ua/v15/exports')),
  ]);
  // The Bulk API's list has no links: each job's own answer has them.
  const bulkJobs = await Promise.all(
    (bulk ?? []).map((item) => settle(api<BulkJob>('GET', `/api/v1/analytics/exports/jobs/${encodeURIComponent(item.job_id)}`))),
  );
  const rows = [
    ...(onDemand?.data ?? []).map(onDemandRow),
    ...(bulk ?? []).map((item, index) => bulkRow(item, bulkJobs[index])),
    ...(coveo?.exports ?? []).map(coveoRow),
  ];
  const time = (row: JobRow) =>
    new Date(
      typeof row.createdAt === 'string' && !row.createdAt.endsWith('Z') ? `${row.createdAt}Z` : (row.createdAt ?? 0),
    ).getTime();
  rows.sort((a, b) => time(b) - time(a));
  return { rows, problems };
}

function jobsTable(rows: JobRow[], onCancel: (row: JobRow) => Promise<void>): HTMLElement {
  const body = h('tbody', {});
  if (rows.length === 0) body.append(emptyRow(7, 'No exports yet. Create one below, or through any of the export APIs.'));
  for (const row of rows) {
    body.append(
      h(
        'tr',
        { 'data-job': row.id },
        h('td', {}, h('span', { class: 'api-tag' }, row.api)),
        h('td', {}, idCode(row.id), row.note ? h('div', { class: 'hint' }, row.note) : null),
        h('td', { class: 'nowrap' }, utcTime(row.createdAt)),
        h('td', { class: 'what' }, row.what, row.error ? h('div', { class: 'error-text' }, row.error) : null),
        h('td', {}, badge(row.status)),
        h('td', {}, progressBar(row.done, row.total)),
        h(
          'td',
          {},
          h(
            'div',
            { class: 'links' },
            ...row.links.map((link) => h('a', { href: link.url, rel: 'noopener noreferrer', target: '_blank' }, link.label)),
            row.fileNote ? h('span', { class: 'hint' }, row.fileNote) : null,
            row.cancellable
              ? h('button', { type: 'button', class: 'ghost small', onclick: () => onCancel(row) }, 'Cancel')
              : null,
          ),
        ),
      ),
    );
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'aria-label': 'Export jobs' },
      h('thead', {}, h('tr', {}, ...['API', 'Job', 'Created', 'What', 'Status', 'Progress', 'Files'].map((t) => h('th', {}, t)))),
      body,
    ),
  );
}

function createForm(onCreated: (job: OnDemandExport) => Promise<void>): HTMLElement {
  const result = h('div', { class: 'result' });
  const form = h(
    'form',
    { 'aria-label': 'Create an on-demand export' },
    h(
      'fieldset',
      { class: 'checks' },
      h('legend', {}, 'Data types'),
      ...DATA_TYPES.map((type) =>
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'dataTypes', value: type, checked: type === 'events' }),
          type,
        ),
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      labelled('Start date', h('input', { type: 'date', name: 'startDate', value: day(-7) })),
      labelled('End date', h('input', { type: 'date', name: 'endDate', value: day(-1) }), 'At most 30 days.'),
      labelled(
        'Format',
        h('select', { name: 'format' }, h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'jsonl' }, 'JSON Lines')),
      ),
    ),
    labelled(
      'Row filter (optional)',
      h('input', {
        name: 'filter',
        placeholder: "event_name == 'Opened report' AND attributes.plan IN ['pro']",
        spellcheck: 'false',
      }),
      'The filter language over the export columns; $NAME inlines a named filter.',
    ),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'exclusions' }),
      'Leave out the excluded users and companies',
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create export')),
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const body: Record<string, unknown> = {
      dataTypes: checkedValues(form, 'dataTypes'),
      format: value('format'),
      ...(value('startDate') ? { startDate: value('startDate') } : {}),
      ...(value('endDate') ? { endDate: value('endDate') } : {}),
      ...(value('filter') ? { filter: value('filter') } : {}),
      ...((form.elements.namedItem('exclusions') as HTMLInputElement).checked ? { exclusions: true } : {}),
    };
    fill(result);
    busy(form.querySelector('button[type="submit"]') as HTMLButtonElement, 'Creating…', async () => {
      const job = await api<OnDemandExport>('POST', '/api/v1/exports', body);
      fill(result, notice(`Export ${job.id} created (${job.status}).`));
      await onCreated(job);
    }).catch((error: unknown) => fill(result, errorBox(error)));
  });
  return card('New on-demand export', form);
}

export const exportsPage: Page = {
  path: '/exports',
  title: 'Exports',
  async render(root, signal) {
    const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
    const problems = h('div', {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    signal.addEventListener('abort', () => clearTimeout(timer));

    const refresh = async (): Promise<void> => {
      clearTimeout(timer);
      const { rows, problems: failed } = await loadJobs();
      if (signal.aborted) return;
      fill(
        list,
        jobsTable(rows, async (row) => {
          await api('DELETE', `/api/v1/exports/${encodeURIComponent(row.id)}`);
          await refresh();
        }),
      );
      fill(problems, ...failed.map(errorBox));
      // While a job runs, follow its progress.
      if (rows.some((row) => RUNNING.has(row.status)))
        timer = setTimeout(() => void refresh().catch((error: unknown) => fill(problems, errorBox(error))), 2_000);
    };
    const reload = h(
      'button',
      {
        type: 'button',
        class: 'ghost small',
        onclick: (event: Event) => busy(event.currentTarget as HTMLButtonElement, 'Refreshing…', refresh),
      },
      'Refresh',
    );
    root.append(
      h(
        'section',
        { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', {}, 'Export jobs'), reload),
        h(
          'p',
          { class: 'muted' },
          'The jobs of every export API (on-demand, Bulk Data Export API, Coveo-compatible) with their status, progress and download links. Links expire: 7 days on demand, 2 days through the Bulk API.',
        ),
        problems,
        list,
      ),
      createForm(refresh),
    );
    await refresh();
  },
};
