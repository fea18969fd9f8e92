/** A small DOM builder: `h('button', { class: 'primary', onclick: save }, 'Save')`. */

export type Child = Node | string | number | null | undefined | false;
type Listener = (event: Event) => unknown;
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>;

/** Where a failed event handler's error goes (the shell shows it). */
let reportError: (error: unknown) => void = (error) => console.error(error);

export function onHandlerError(report: (error: unknown) => void): void {
  reportError = report;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), (event) => {
        Promise.resolve(value(event)).catch(reportError);
      });
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the element's content. */
export function fill(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** The named control of a form (input, select or textarea). */
export function field(form: HTMLFormElement, name: string): HTMLInputElement {
  const control = form.elements.namedItem(name);
  if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement)) {
    throw new Error(`the form has no control named ${name}`);
  }
  return control as HTMLInputElement;
}

/** The values of the checked boxes named `name`. */
export function checkedValues(form: HTMLFormElement, name: string): string[] {
  return [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((input) => input.value);
}

/** `2026-12-02 09:30 UTC`, or a dash when there is no time. */
export function utcTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  // The Bulk API writes some times without a zone: they are UTC.
  const date = new Date(typeof value === 'string' && !/[zZ]|[+-]\d\d:\d\d$/.test(value) ? `${value}Z` : value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** A labelled form row. */
export function labelled(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'label' }, label),
    control,
    hint ? h('span', { class: 'hint' }, hint) : null,
  );
}

/** A button that is disabled (and says so) while its action runs. */
export async function busy<T>(button: HTMLButtonElement, text: string, action: () => Promise<T>): Promise<T> {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = text;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.textContent = before;
  }
}
