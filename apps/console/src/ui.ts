import { ApiError } from './api';
import { h } from './dom';

interface FieldProblem {
  field: string;
  problems: string[];
}

const isFieldProblems = (details: unknown): details is FieldProblem[] =>
  Array.isArray(details) && details.every((d) => typeof d === 'object' && d !== null && 'field' in d && 'problems' in d);

function detailLines(details: unknown): string[] {
  if (details === undefined || details === null) return [];
  if (isFieldProblems(details)) return details.map((d) => `${d.field}: ${d.problems.join(', ')}`);
  if (typeof details === 'object' && !Array.isArray(details)) {
    return Object.entries(details as Record<string, unknown>).map(
      ([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
    );
  }
  return [typeof details === 'string' ? details : JSON.stringify(details)];
}

/** An API error as the user sees it: the message, then status and code, then the details. */
export function errorBox(error: unknown): HTMLElement {
  if (!(error instanceof ApiError)) {
    return h('div', { class: 'alert error', role: 'alert' }, h('strong', {}, 'Something went wrong: '), String(error));
  }
  const lines = detailLines(error.details);
  return h(
    'div',
    { class: 'alert error', role: 'alert', 'data-code': error.code },
    h('div', { class: 'alert-title' }, error.message),
    h('div', { class: 'alert-meta' }, error.status ? `HTTP ${error.status} · ` : '', h('code', {}, error.code)),
    lines.length ? h('ul', { class: 'alert-details' }, ...lines.map((line) => h('li', {}, line))) : null,
  );
}

export function notice(text: string, kind: 'success' | 'info' = 'success'): HTMLElement {
  return h('div', { class: `alert ${kind}`, role: 'status' }, text);
}

const TONES: Record<string, string> = {
  completed: 'good',
  available: 'good',
  successful: 'good',
  enabled: 'good',
  failed: 'bad',
  expired: 'muted',
  cancelled: 'muted',
  disabled: 'muted',
  never_ran: 'muted',
  pending: 'wait',
  in_progress: 'wait',
};

/** A status word as a coloured badge. */
export function badge(status: string, label = status.replace(/_/g, ' ')): HTMLElement {
  return h('span', { class: `badge ${TONES[status.toLowerCase()] ?? 'muted'}`, 'data-status': status }, label);
}

export function progressBar(done: number, total: number): HTMLElement {
  const fillBar = h('div', { class: 'progress-fill' });
  // Through the CSSOM: the page's content security policy refuses style attributes.
  fillBar.style.width = `${total > 0 ? Math.round((done / total) * 100) : 0}%`;
  return h(
    'div',
    { class: 'progress', title: `${done} of ${total} partitions` },
    h('div', { class: 'progress-track' }, fillBar),
    h('span', { class: 'progress-text' }, total > 0 ? `${done} / ${total}` : '—'),
  );
}

/** A one-time secret, with a button to copy it. */
export function secretBox(title: string, secret: string): HTMLElement {
  const copy = h('button', { type: 'button', class: 'ghost small' }, 'Copy');
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(secret).then(() => (copy.textContent = 'Copied'));
  });
  return h(
    'div',
    { class: 'alert secret', role: 'status' },
    h('div', { class: 'alert-title' }, title),
    h('p', {}, 'Shown once: store it now. It signs every request (Standard Webhooks) and cannot be read again.'),
    h('div', { class: 'secret-row' }, h('code', { class: 'secret-value' }, secret), copy),
  );
}

export function card(title: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), ...children);
}

export function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return h('tr', {}, h('td', { colspan: columns, class: 'empty' }, text));
}

/** Ids are long (UUIDs): a table shows their start, the title the whole id. */
export function idCode(id: string): HTMLElement {
  const short = id.length > 16 ? `${id.slice(0, id.indexOf('_') + 9)}…` : id;
  return h('code', { class: 'id', title: id }, short);
}
