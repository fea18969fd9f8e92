import { ApiError, CliError, NetworkError } from './cli-error';

/** When a request may be sent again: only after a refusal (429), or also after a failure (idempotent reads). */
export type RetryPolicy = 'rate-limited' | 'idempotent';

export interface RequestOptions {
  /** A JSON body (sent with `content-type: application/json`). */
  body?: unknown;
  /** A JSON text sent as is. */
  rawBody?: string;
  /** Sends `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  retry?: RetryPolicy;
  /** Per attempt, the body's reading included; 0: none (long downloads). */
  timeoutMs?: number;
  /** Stops the request (Ctrl-C); the fetch then fails with the signal's reason. */
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts of a retried request, the first included. */
  maxAttempts?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;
/** Statuses after which the platform stored nothing (503) or may have (502, 504): retried for reads only. */
const TRANSIENT = new Set([502, 503, 504]);

/**
 * The platform's HTTP API through fetch: JSON in and out, error answers as ApiError with the body's message,
 * 429 waited out (Retry-After) and, for reads, 502/503/504 and network failures retried with back-off.
 */
export class HttpClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;

  constructor(private readonly options: HttpClientOptions) {
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxAttempts = options.maxAttempts ?? 4;
  }

  /** A path of the platform, or an absolute URL (a presigned download link) as is. */
  url(path: string): string {
    if (/^https?:\/\//i.test(path)) return path;
    return `${this.options.baseUrl}${path}`;
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new CliError(`${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  /** A successful (2xx) answer, its body unread; an error answer is thrown as ApiError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const retry = options.retry ?? (method === 'GET' ? 'idempotent' : 'rate-limited');
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.maxAttempts;
      let response: Response;
      try {
        response = await this.send(method, path, options);
      } catch (error) {
        if (retry === 'idempotent' && !last && error instanceof NetworkError && error.transient) {
          await this.sleep(backoffMs(attempt));
          continue;
        }
        throw error;
      }
      if (response.ok) return response;
      const failure = await apiErrorOf(response);
      if (!last && failure.status === 429) {
        await this.sleep(Math.min((failure.retryAfterSeconds ?? 1) * 1000, 60_000));
        continue;
      }
      if (!last && retry === 'idempotent' && TRANSIENT.has(failure.status)) {
        await this.sleep(backoffMs(attempt));
        continue;
      }
      throw failure;
    }
  }

  /** One attempt; a network failure becomes a CliError naming the address. */
  async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signals = [
      options.signal,
      options.timeoutMs === 0 ? undefined : AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    ];
    const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
    try {
      return await this.fetch(this.url(path), {
        method,
        headers,
        body,
        signal: present.length > 1 ? AbortSignal.any(present) : present[0],
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw unreachable(this.url(path), error);
    }
  }
}

export function backoffMs(attempt: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
}

/** Causes after which the same request may work a moment later (a restarting gateway, a dropped connection). */
const TRANSIENT_CAUSES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** A network failure (refused, reset, DNS, timeout) as a NetworkError naming the address and the cause. */
export function unreachable(address: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  // A presigned link's query is its signature: not for messages.
  const url = address.replace(/\?.*$/, '');
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return new NetworkError(`no answer from ${url} in time`, true);
  const code = err.cause?.code;
  return new NetworkError(
    `cannot reach ${url}: ${code ?? err.cause?.message ?? err.message}`,
    code !== undefined && TRANSIENT_CAUSES.has(code),
  );
}

/** The platform's error body (`{"error": {"status", "code", "message", "details"}}`) of a non-2xx answer. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : isRecord(parsed) ? parsed : undefined;
  const message =
    typeof error?.message === 'string' && error.message.length > 0
      ? error.message
      : `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
  const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
  return new ApiError(response.status, code, message, error?.details, retryAfterSeconds);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
