/** The gateway's REST API, same origin, with the API key the user signed in with. */

const KEY_STORAGE = 'exportd.console.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  signIn: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  signOut: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

/**
 * An error answer. Most APIs answer `{error: {status, code, message, details?}}`; the Bulk Data Export API's
 * own errors (and every export API's plan refusal) are `{errors: [{error, error_code, message, details}]}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Called when the gateway refuses the key (401): the shell signs out. */
let onUnauthenticated: (error: ApiError) => void = () => undefined;

export function whenUnauthenticated(handler: (error: ApiError) => void): void {
  onUnauthenticated = handler;
}

interface PlatformErrorBody {
  error?: { status?: number; code?: string; message?: string; details?: unknown };
  errors?: { error?: string; error_code?: string; message?: string; details?: string | null }[];
}

export function errorOf(status: number, text: string): ApiError {
  let body: PlatformErrorBody | undefined;
  try {
    body = JSON.parse(text) as PlatformErrorBody;
  } catch {
    body = undefined;
  }
  if (body?.error && typeof body.error === 'object') {
    const { code, message, details } = body.error;
    return new ApiError(body.error.status ?? status, code ?? 'error', message ?? `HTTP ${status}`, details);
  }
  const first = body?.errors?.[0];
  if (first) {
    const message = [first.message, first.details].filter(Boolean).join(' ');
    return new ApiError(status, (first.error ?? 'error').toLowerCase().replace(/\s+/g, '_'), message || `HTTP ${status}`);
  }
  return new ApiError(status, 'http_error', text.trim().slice(0, 300) || `the gateway answered HTTP ${status}`);
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = session.key();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, 'network_error', `the gateway could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) {
    const error = errorOf(response.status, await response.text());
    if (response.status === 401) onUnauthenticated(error);
    throw error;
  }
  return response;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A file answer (the company CSV) with the name its content-disposition gives. */
export async function download(path: string, fallbackName: string): Promise<{ blob: Blob; filename: string }> {
  const response = await send('GET', path);
  const disposition = response.headers.get('content-disposition') ?? '';
  const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? fallbackName;
  return { blob: await response.blob(), filename };
}

/** Hands a blob to the browser as a download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
