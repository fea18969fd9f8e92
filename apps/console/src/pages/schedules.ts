import { api } from '../api';
import { busy, checkedValues, fill, h, labelled, utcTime } from '../dom';
import type { Page } from '../main';
import { badge, emptyRow, errorBox, idCode, notice, secretBox } from '../ui';

/** GET /api/v1/export-schedules items. */
interface Schedule {
  id: string;
  frequency: string;
  dataTypes: string[];
  format: string;
  mode: string;
  filter: string | null;
  delivery: { webhookUrl: string | null; emails: string[]; destinationId: string | null };
  nextRunAt: string | null;
  lastRun: { period: string; status: string; error: string | null } | null;
  webhookSecret?: string;
}

/** GET /api/v1/webhooks items. */
interface Webhook {
  id: string;
  url: string;
  eventTypes: string[];
  disabled: boolean;
  disabledReason: string | null;
  createdAt: string | null;
  secret?: string;
}

interface Destination {
  id: string;
  name: string;
  provider: string;
  bucket: string;
}

const DATA_TYPES = ['events', 'users', 'companies', 'feedback', 'company_features'];
const WEBHOOK_EVENTS = ['export.completed', 'export.failed', 'export.automatic.failed'];

const checks = (name: string, values: string[], checked: string[]) =>
  values.map((value) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value, checked: checked.includes(value) }), value),
  );

const deleteButton = (what: string, remove: () => Promise<void>) =>
  h(
    'button',
    {
      type: 'button',
      class: 'danger small',
      onclick: async (event: Event) => {
        if (!window.confirm(`Delete ${what}?`)) return;
        await busy(event.currentTarget as HTMLButtonElement, 'Deleting…', remove);
      },
    },
    'Delete',
  );

function deliverySummary(delivery: Schedule['delivery'], destinations: Destination[]): HTMLElement {
  const destination = destinations.find((d) => d.id === delivery.destinationId);
  return h(
    'div',
    { class: 'stack' },
    delivery.webhookUrl ? h('div', {}, 'webhook ', h('code', {}, delivery.webhookUrl)) : null,
    delivery.emails.length ? h('div', {}, `email ${delivery.emails.join(', ')}`) : null,
    delivery.destinationId
      ? h('div', {}, `storage ${destination ? `${destination.name} (${destination.provider})` : delivery.destinationId}`)
      : null,
  );
}

async function schedulesCard(): Promise<HTMLElement> {
  const list = h('div', {});
  const result = h('div', { class: 'result' });
  const problems = h('div', {});
  let destinations: Destination[] = [];
  try {
    destinations = (await api<{ destinations: Destination[] }>('GET', '/api/v1/destinations')).destinations;
  } catch (error) {
    problems.append(errorBox(error));
  }

  const refresh = async () => {
    const { data } = await api<{ data: Schedule[] }>('GET', '/api/v1/export-schedules');
    const body = h('tbody', {});
    if (data.length === 0) body.append(emptyRow(6, 'No export schedules.'));
    for (const schedule of data) {
      body.append(
        h(
          'tr',
          { 'data-schedule': schedule.id },
          h('td', {}, idCode(schedule.id)),
          h('td', {}, `${schedule.frequency} · ${schedule.mode}`),
          h(
            'td',
            {},
            `${schedule.dataTypes.join(', ')} · ${schedule.format}`,
            schedule.filter ? h('div', { class: 'hint' }, schedule.filter) : null,
          ),
          h('td', {}, deliverySummary(schedule.delivery, destinations)),
          h(
            'td',
            {},
            h('div', {}, `next ${utcTime(schedule.nextRunAt)}`),
            schedule.lastRun
              ? h('div', {}, `last ${schedule.lastRun.period} `, badge(schedule.lastRun.status))
              : h('div', { class: 'hint' }, 'never ran'),
          ),
          h(
            'td',
            {},
            deleteButton(`schedule ${schedule.id}`, async () => {
              await api('DELETE', `/api/v1/export-schedules/${encodeURIComponent(schedule.id)}`);
              fill(result, notice(`Schedule ${schedule.id} deleted.`));
              await refresh();
            }),
          ),
        ),
      );
    }
    fill(
      list,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'aria-label': 'Export schedules' },
          h('thead', {}, h('tr', {}, ...['Schedule', 'Cadence', 'Data', 'Delivery', 'Runs', ''].map((t) => h('th', {}, t)))),
          body,
        ),
      ),
    );
  };

  const destinationSelect = h(
    'select',
    { name: 'destinationId' },
    h('option', { value: '' }, 'None'),
    ...destinations.map((d) => h('option', { value: d.id }, `${d.name} (${d.provider}, ${d.bucket})`)),
  );
  const form = h(
    'form',
    { 'aria-label': 'Create an export schedule' },
    h(
      'div',
      { class: 'grid' },
      labelled(
        'Frequency',
        h(
          'select',
          { name: 'frequency' },
          h('option', { value: 'daily' }, 'Daily (the previous UTC day)'),
          h('option', { value: 'weekly' }, 'Weekly (the previous Monday–Sunday)'),
        ),
      ),
      labelled(
        'Format',
        h('select', { name: 'format' }, h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'jsonl' }, 'JSON Lines')),
      ),
      labelled(
        'Mode',
        h(
          'select',
          { name: 'mode' },
          h('option', { value: 'period' }, 'Period (by event time)'),
          h('option', { value: 'incremental' }, 'Incremental (by reception time)'),
        ),
      ),
    ),
    h('fieldset', { class: 'checks' }, h('legend', {}, 'Data types'), ...checks('dataTypes', DATA_TYPES, ['events'])),
    h(
      'div',
      { class: 'grid' },
      labelled(
        'Webhook URL',
        h('input', { name: 'webhookUrl', type: 'url', placeholder: 'https://example.com/hooks/exports' }),
        'Gets a signing secret of its own, shown once.',
      ),
      labelled('Emails', h('input', { name: 'emails', placeholder: 'ops@example.com, data@example.com' }), 'Comma separated.'),
      labelled('Destination', destinationSelect, 'Your own storage (Destinations API).'),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create schedule')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const emails = value('emails')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const body = {
      frequency: value('frequency'),
      format: value('format'),
      mode: value('mode'),
      dataTypes: checkedValues(form, 'dataTypes'),
      delivery: {
        ...(value('webhookUrl') ? { webhookUrl: value('webhookUrl') } : {}),
        ...(emails.length ? { emails } : {}),
        ...(value('destinationId') ? { destinationId: value('destinationId') } : {}),
      },
    };
    fill(result);
    busy(form.querySelector('button[type="submit"]') as HTMLButtonElement, 'Creating…', async () => {
      const created = await api<Schedule>('POST', '/api/v1/export-schedules', body);
      fill(
        result,
        notice(`Schedule ${created.id} created; first run ${utcTime(created.nextRunAt)}.`),
        created.webhookSecret ? secretBox('Webhook signing secret of this schedule', created.webhookSecret) : null,
      );
      form.reset();
      await refresh();
    }).catch((error: unknown) => fill(result, errorBox(error)));
  });

  await refresh();
  return h(
    'section',
    { class: 'card', 'aria-label': 'Export schedules' },
    h('h2', {}, 'Export schedules'),
    h(
      'p',
      { class: 'muted' },
      'Each run exports the previous day or week as an on-demand export (listed on the Exports page), delivered by signed webhook, email or into your storage.',
    ),
    problems,
    list,
    h('h3', {}, 'New schedule'),
    form,
    result,
  );
}

async function webhooksCard(): Promise<HTMLElement> {
  const list = h('div', {});
  const result = h('div', { class: 'result' });

  const refresh = async () => {
    const { webhooks } = await api<{ webhooks: Webhook[] }>('GET', '/api/v1/webhooks');
    const body = h('tbody', {});
    if (webhooks.length === 0) body.append(emptyRow(5, 'No webhook endpoints.'));
    for (const webhook of webhooks) {
      body.append(
        h(
          'tr',
          { 'data-webhook': webhook.id },
          h('td', {}, h('code', {}, webhook.url), h('div', { class: 'hint' }, webhook.id)),
          h('td', {}, webhook.eventTypes.join(', ')),
          h(
            'td',
            {},
            webhook.disabled
              ? badge('disabled', `disabled${webhook.disabledReason ? `: ${webhook.disabledReason}` : ''}`)
              : badge('enabled'),
          ),
          h('td', { class: 'nowrap' }, utcTime(webhook.createdAt)),
          h(
            'td',
            {},
            deleteButton(`webhook ${webhook.url}`, async () => {
              await api('DELETE', `/api/v1/webhooks/${encodeURIComponent(webhook.id)}`);
              fill(result, notice(`Webhook ${webhook.url} deleted.`));
              await refresh();
            }),
          ),
        ),
      );
    }
    fill(
      list,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'aria-label': 'Webhooks' },
          h('thead', {}, h('tr', {}, ...['Endpoint', 'Events', 'State', 'Created', ''].map((t) => h('th', {}, t)))),
          body,
        ),
      ),
    );
  };

  const form = h(
    'form',
    { 'aria-label': 'Create a webhook' },
    labelled(
      'URL',
      h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://example.com/hooks/exports' }),
      'https; signed per Standard Webhooks.',
    ),
    h(
      'fieldset',
      { class: 'checks' },
      h('legend', {}, 'Events'),
      ...checks('eventTypes', WEBHOOK_EVENTS, ['export.completed', 'export.failed']),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create webhook')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      url: (form.elements.namedItem('url') as HTMLInputElement).value.trim(),
      eventTypes: checkedValues(form, 'eventTypes'),
    };
    fill(result);
    busy(form.querySelector('button[type="submit"]') as HTMLButtonElement, 'Creating…', async () => {
      const created = await api<Webhook>('POST', '/api/v1/webhooks', body);
      fill(
        result,
        notice(`Webhook ${created.url} created.`),
        created.secret ? secretBox('Webhook signing secret', created.secret) : null,
      );
      form.reset();
      await refresh();
    }).catch((error: unknown) => fill(result, errorBox(error)));
  });

  await refresh();
  return h(
    'section',
    { class: 'card', 'aria-label': 'Webhooks' },
    h('h2', {}, 'Webhooks'),
    h(
      'p',
      { class: 'muted' },
      'Endpoints of the app told when an export completes or fails, and when an automatic export fails three periods in a row.',
    ),
    list,
    h('h3', {}, 'New webhook'),
    form,
    result,
  );
}

export const schedulesPage: Page = {
  path: '/schedules',
  title: 'Schedules and webhooks',
  async render(root) {
    const [schedules, webhooks] = await Promise.allSettled([schedulesCard(), webhooksCard()]);
    for (const card of [schedules, webhooks]) root.append(card.status === 'fulfilled' ? card.value : errorBox(card.reason));
  },
};
