import { api, download, saveBlob } from '../api';
import { busy, fill, h, labelled, utcTime } from '../dom';
import type { Page } from '../main';
import { badge, card, errorBox, notice } from '../ui';

/** GET /api/v1/data-export/automatic. */
export interface AutomaticExport {
  enabled: boolean;
  cadence: 'daily' | 'weekly';
  destination: {
    provider: Provider;
    bucket: string;
    region: string;
    key: string;
    endpoint: string;
    accessKeyId: string;
  } | null;
  status: {
    lastRunAt: string | null;
    lastStatus: 'never_ran' | 'successful' | 'failed';
    nextRunAt: string | null;
    error: string | null;
  };
}

type Provider = 'aws' | 'gcp' | 'custom';

const HISTORY_OPTIONS = [
  { value: 'today', label: 'Just today’s snapshot', hint: 'The current state of the data; the Date column is today.' },
  { value: '30d-daily', label: '30 days, daily granularity', hint: 'One row per company, feature and day for the last 30 days.' },
  {
    value: '3m-weekly',
    label: '3 months, weekly granularity',
    hint: 'Full calendar weeks (Monday to Sunday) of the last 3 months, dated by their Sunday.',
  },
  {
    value: '6m-weekly',
    label: '6 months, weekly granularity',
    hint: 'Full calendar weeks (Monday to Sunday) of the last 6 months, dated by their Sunday.',
  },
];

const LAST_STATUS: Record<AutomaticExport['status']['lastStatus'], string> = {
  never_ran: 'never ran before',
  successful: 'successful',
  failed: 'failed',
};

export const dataExportPage: Page = {
  path: '/data-export',
  title: 'Data export',
  async render(root) {
    root.append(manualExport());
    const automatic = h('section', { class: 'card', 'aria-label': 'Automatic export' }, h('p', { class: 'muted' }, 'Loading…'));
    root.append(automatic);
    const settings = await api<AutomaticExport>('GET', '/api/v1/data-export/automatic');
    automaticExport(automatic, settings);
  },
};

function manualExport(): HTMLElement {
  const result = h('div', { class: 'result' });
  const options = HISTORY_OPTIONS.map((option, index) =>
    h(
      'label',
      { class: 'choice' },
      h('input', { type: 'radio', name: 'history', value: option.value, checked: index === 0 }),
      h('span', {}, h('span', { class: 'choice-label' }, option.label), h('span', { class: 'hint' }, option.hint)),
    ),
  );
  const form = h(
    'form',
    { 'aria-label': 'Manual export' },
    h('fieldset', { class: 'choices' }, h('legend', {}, 'Historical data'), ...options),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Download export')),
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const history = (form.querySelector('input[name="history"]:checked') as HTMLInputElement).value;
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement;
    fill(result);
    busy(button, 'Preparing…', async () => {
      const file = await download(
        `/api/v1/data-export/companies?history=${encodeURIComponent(history)}`,
        `companies-${history}.csv`,
      );
      saveBlob(file.blob, file.filename);
      fill(result, notice(`Downloaded ${file.filename} (${file.blob.size.toLocaleString('en')} bytes).`));
    }).catch((error: unknown) => fill(result, errorBox(error)));
  });
  return card(
    'Manual export',
    h(
      'p',
      { class: 'muted' },
      'Company usage of every feature as a CSV file: one row per company, feature and date, with STARS state, frequency, satisfaction and segments.',
    ),
    form,
  );
}

/** The bucket URL AWS destinations are entered as: https://<bucket>.s3.<region>.amazonaws.com[/key]. */
function awsUrl(destination: NonNullable<AutomaticExport['destination']>): string {
  return `https://${destination.bucket}.s3.${destination.region}.amazonaws.com${destination.key ? `/${destination.key}` : ''}`;
}

function statusPanel(status: AutomaticExport['status'], enabled: boolean): HTMLElement {
  const row = (term: string, value: Node | string) => [h('dt', {}, term), h('dd', {}, value)];
  return h(
    'dl',
    { class: 'status', 'aria-label': 'Automatic export status' },
    ...row('Last run', utcTime(status.lastRunAt)),
    ...row('Status', badge(status.lastStatus, LAST_STATUS[status.lastStatus])),
    ...row('Next run', enabled ? utcTime(status.nextRunAt) : 'not scheduled (automatic export is off)'),
    ...(status.error ? row('Error', h('span', { class: 'error-text' }, status.error)) : []),
  );
}

function automaticExport(section: HTMLElement, saved: AutomaticExport): void {
  const destination = saved.destination;
  const toggle = h('input', { type: 'checkbox', role: 'switch', name: 'enabled', checked: saved.enabled });
  const status = h('div', {}, statusPanel(saved.status, saved.enabled));
  const result = h('div', { class: 'result' });

  const input = (name: string, value = '', attrs: Record<string, string | boolean> = {}) =>
    h('input', { name, value, autocomplete: 'off', spellcheck: 'false', ...attrs });
  const provider = destination?.provider ?? 'aws';
  const url = input('url', destination?.provider === 'aws' ? awsUrl(destination) : '', {
    placeholder: 'https://<bucket>.s3.<region>.amazonaws.com/<key>',
  });
  const bucket = input('bucket', destination?.provider === 'aws' ? '' : destination?.bucket, { placeholder: 'my-bucket' });
  const region = input('region', destination?.provider === 'aws' ? '' : destination?.region, { placeholder: 'auto' });
  const key = input('key', destination?.provider === 'aws' ? '' : destination?.key, {
    placeholder: 'exports/companies (optional)',
  });
  const endpoint = input('endpoint', destination?.provider === 'custom' ? destination.endpoint : '', {
    placeholder: 'https://<account>.r2.cloudflarestorage.com',
  });
  const accessKeyId = input('accessKeyId', destination?.accessKeyId);
  const secret = input('secretAccessKey', '', {
    type: 'password',
    placeholder: destination ? 'saved; enter it again to change the storage' : '',
  });
  const cadence = h(
    'select',
    { name: 'cadence' },
    h('option', { value: 'daily', selected: saved.cadence === 'daily' }, 'Daily'),
    h('option', { value: 'weekly', selected: saved.cadence === 'weekly' }, 'Weekly'),
  );
  const providers = (['aws', 'gcp', 'custom'] as const).map((value) =>
    h(
      'label',
      { class: 'segment' },
      h('input', { type: 'radio', name: 'provider', value, checked: value === provider }),
      h('span', {}, { aws: 'AWS', gcp: 'GCP', custom: 'Custom' }[value]),
    ),
  );
  const awsFields = h(
    'div',
    { class: 'provider-fields', 'data-provider': 'aws' },
    labelled('S3 bucket URL', url, 'The key part of the URL is optional: it names a folder of the bucket.'),
  );
  const endpointField = labelled(
    'Endpoint',
    endpoint,
    'The URL of the storage provider’s S3 API, e.g. Cloudflare R2’s per-account endpoint.',
  );
  const bucketFields = h(
    'div',
    { class: 'provider-fields grid' },
    endpointField,
    labelled('Bucket', bucket),
    labelled('Region', region),
    labelled('Key', key, 'A folder of the bucket; no leading or trailing slash.'),
  );

  const form = h(
    'form',
    { class: 'automatic', 'aria-label': 'Automatic export destination' },
    labelled('Periodic schedule', cadence, 'Daily runs after 00:00 UTC with the data as of 00:00 UTC; weekly runs on Mondays.'),
    h('fieldset', { class: 'segments' }, h('legend', {}, 'S3 provider'), ...providers),
    awsFields,
    bucketFields,
    h('div', { class: 'grid' }, labelled('Access key', accessKeyId), labelled('Secret access key', secret)),
  );
  const save = h('button', { type: 'button', class: 'primary' }, 'Save');

  const chosenProvider = (): Provider =>
    (form.querySelector('input[name="provider"]:checked') as HTMLInputElement).value as Provider;
  const showFields = () => {
    const chosen = chosenProvider();
    awsFields.hidden = chosen !== 'aws';
    bucketFields.hidden = chosen === 'aws';
    endpointField.hidden = chosen !== 'custom';
    region.placeholder = chosen === 'gcp' ? 'auto' : 'us-east-1';
    form.hidden = !toggle.checked;
  };
  form.addEventListener('change', showFields);
  toggle.addEventListener('change', showFields);
  showFields();

  /** The storage fields the chosen provider takes, empty ones left out. */
  const storage = (): Record<string, string> => {
    const chosen = chosenProvider();
    const fields: Record<string, string> = { provider: chosen };
    const put = (name: string, value: string) => {
      if (value.trim() !== '') fields[name] = value.trim();
    };
    if (chosen === 'aws') put('url', url.value);
    else {
      if (chosen === 'custom') put('endpoint', endpoint.value);
      put('bucket', bucket.value);
      put('region', region.value);
      put('key', key.value);
    }
    put('accessKeyId', accessKeyId.value);
    fields.secretAccessKey = secret.value;
    return fields;
  };
  /** The storage as saved, in the form's terms: unchanged storage without a new secret is not sent again. */
  const savedStorage = (): Record<string, string> | undefined => {
    if (!destination) return undefined;
    const fields: Record<string, string> = { provider: destination.provider };
    if (destination.provider === 'aws') fields.url = awsUrl(destination);
    else {
      if (destination.provider === 'custom') fields.endpoint = destination.endpoint;
      fields.bucket = destination.bucket;
      if (destination.region) fields.region = destination.region;
      if (destination.key) fields.key = destination.key;
    }
    if (destination.accessKeyId) fields.accessKeyId = destination.accessKeyId;
    fields.secretAccessKey = '';
    return fields;
  };

  save.addEventListener('click', () => {
    const body: Record<string, unknown> = { enabled: toggle.checked, cadence: cadence.value };
    const fields = storage();
    if (toggle.checked && JSON.stringify(fields) !== JSON.stringify(savedStorage())) Object.assign(body, fields);
    fill(result);
    busy(save, 'Checking the bucket…', async () => {
      const answer = await api<AutomaticExport>('PUT', '/api/v1/data-export/automatic', body);
      automaticExport(section, answer);
      const message = answer.enabled
        ? `Saved: the bucket answered with these credentials. Next export ${utcTime(answer.status.nextRunAt)}.`
        : 'Saved. Automatic export is off.';
      section.querySelector('.result')?.append(notice(message));
    }).catch((error: unknown) => fill(result, errorBox(error)));
  });

  fill(
    section,
    h('div', { class: 'card-head' }, h('h2', {}, 'Automatic export'), h('span', { class: 'plan' }, 'Enterprise')),
    h(
      'p',
      { class: 'muted' },
      'A CSV of the company data model, written every day or week into your S3-compatible storage (AWS S3, Google Cloud Storage, Cloudflare R2 and others) as ',
      h('code', {}, '<key>/companies-<date>.csv'),
      '.',
    ),
    h(
      'label',
      { class: 'switch' },
      toggle,
      h('span', { class: 'switch-track', 'aria-hidden': 'true' }),
      h('span', {}, 'Enable automatic export'),
    ),
    status,
    form,
    h('div', { class: 'actions' }, save, saved.enabled && destination ? runNow(section, saved) : null),
    result,
  );
}

/** Runs the latest ended period now, then follows the status until that run has ended. */
function runNow(section: HTMLElement, saved: AutomaticExport): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'ghost' }, 'Run now');
  button.addEventListener('click', () => {
    const result = section.querySelector('.result') as HTMLElement;
    fill(result);
    busy(button, 'Running…', async () => {
      const { period } = await api<{ period: { from: string; to: string } }>('POST', '/api/v1/data-export/automatic/run');
      fill(result, notice(`Exporting the period ${period.from} → ${period.to}…`, 'info'));
      const deadline = Date.now() + 120_000;
      while (section.isConnected && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const now = await api<AutomaticExport>('GET', '/api/v1/data-export/automatic');
        if (now.status.lastRunAt !== saved.status.lastRunAt || now.status.lastStatus !== saved.status.lastStatus) {
          automaticExport(section, now);
          section
            .querySelector('.result')
            ?.append(
              notice(
                `The export of ${period.from} → ${period.to} ${now.status.lastStatus === 'successful' ? 'succeeded' : 'failed'}.`,
              ),
            );
          return;
        }
      }
    }).catch((error: unknown) => fill(result, errorBox(error)));
  });
  return button;
}
