import './styles.css';
import { ApiError, api, session, whenUnauthenticated } from './api';
import { fill, h, onHandlerError } from './dom';
import { dataExportPage } from './pages/data-export';
import { exportsPage } from './pages/exports';
import { schedulesPage } from './pages/schedules';
import { errorBox } from './ui';

/** A page of the console: renders into `root`; `signal` aborts when the user leaves it. */
export interface Page {
  path: string;
  title: string;
  render(root: HTMLElement, signal: AbortSignal): Promise<void>;
}

const PAGES: Page[] = [dataExportPage, exportsPage, schedulesPage];

const app = document.getElementById('app') as HTMLElement;
let leave = new AbortController();

function currentPage(): Page {
  const path = location.hash.replace(/^#/, '') || PAGES[0].path;
  return PAGES.find((page) => page.path === path) ?? PAGES[0];
}

function signInView(problem?: ApiError): HTMLElement {
  const key = h('input', {
    type: 'password',
    name: 'apiKey',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'Paste an API key',
    'aria-label': 'API key',
  });
  const result = h('div', {});
  const form = h(
    'form',
    { class: 'sign-in card', 'aria-label': 'Sign in' },
    h('div', { class: 'brand large' }, h('span', { class: 'logo' }, 'e'), 'exportd console'),
    h('p', { class: 'muted' }, 'Sign in with one of your app’s API keys. It is kept in this browser tab only (session storage).'),
    key,
    h('button', { type: 'submit', class: 'primary wide' }, 'Sign in'),
    result,
  );
  if (problem) fill(result, errorBox(problem));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn(key.value.trim(), result);
  });
  return h('main', { class: 'sign-in-page' }, form);
}

/** Checks the key with one read; a key lacking that privilege is still a key (403), an unknown one is not (401). */
async function signIn(key: string, result: HTMLElement): Promise<void> {
  session.signIn(key);
  try {
    await api('GET', '/api/v1/exports');
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401 || error.status === 0) {
      session.signOut();
      fill(result, errorBox(error));
      return;
    }
  }
  render();
}

function shell(page: Page): { main: HTMLElement; view: HTMLElement } {
  const nav = h(
    'nav',
    { 'aria-label': 'Pages' },
    ...PAGES.map((p) =>
      h('a', { href: `#${p.path}`, class: p === page ? 'active' : '', 'aria-current': p === page ? 'page' : null }, p.title),
    ),
  );
  const signOut = h(
    'button',
    {
      type: 'button',
      class: 'ghost small',
      onclick: () => {
        session.signOut();
        render();
      },
    },
    'Sign out',
  );
  const main = h('main', { class: 'content' }, h('h1', {}, page.title));
  const view = h(
    'div',
    { class: 'shell' },
    h('header', { class: 'topbar' }, h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'e'), 'exportd'), nav, signOut),
    main,
  );
  return { main, view };
}

function render(problem?: ApiError): void {
  leave.abort();
  leave = new AbortController();
  if (!session.key()) {
    fill(app, signInView(problem));
    document.title = 'Sign in · exportd console';
    return;
  }
  const page = currentPage();
  const { main, view } = shell(page);
  fill(app, view);
  document.title = `${page.title} · exportd console`;
  const body = h('div', { class: 'page', 'data-page': page.path.slice(1) });
  main.appendChild(body);
  const signal = leave.signal;
  page.render(body, signal).catch((error: unknown) => {
    if (!signal.aborted) body.prepend(errorBox(error));
  });
}

whenUnauthenticated((error) => {
  session.signOut();
  render(error);
});
onHandlerError((error) => {
  const main = app.querySelector('main');
  main?.prepend(errorBox(error));
});
window.addEventListener('hashchange', () => render());
render();
