/** Small JSON-over-fetch helpers for end-to-end tests against a running gateway. */
import { registerSecret, SecretKind } from './log-secrets';

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function requestJson<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string; authorization?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization) headers.authorization = options.authorization;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  registerSecretsOf(options.body, body);
  return { status: response.status, headers: response.headers, body: body as T };
}

/** The fields by which a request hands the platform a secret, or an answer hands one out. */
const SECRET_FIELDS: { side: 'request' | 'response'; field: RegExp; kind: SecretKind; value?: RegExp }[] = [
  { side: 'request', field: /^secretAccessKey$/, kind: 'customer S3 secret key' },
  { side: 'response', field: /^apiKey$/, kind: 'API key' },
  { side: 'response', field: /^key$/, value: /^sk_/, kind: 'API key' },
  { side: 'response', field: /^(secret|webhookSecret)$/, kind: 'webhook secret' },
];

/**
 * Registers, for the run's log scan, every secret a test sends or receives through requestJson (new apps' and
 * keys' API keys, webhook and schedule signing secrets, destinations' S3 keys), wherever in the JSON it is.
 */
function registerSecretsOf(request: unknown, response: unknown): void {
  const visit = (value: unknown, side: 'request' | 'response', depth: number): void => {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    for (const [field, inner] of Object.entries(value)) {
      if (typeof inner === 'string') {
        for (const rule of SECRET_FIELDS)
          if (rule.side === side && rule.field.test(field) && (!rule.value || rule.value.test(inner)))
            registerSecret(rule.kind, inner);
      } else visit(inner, side, depth + 1);
    }
  };
  visit(request, 'request', 0);
  visit(response, 'response', 0);
}

export interface CreatedApp {
  id: string;
  name: string;
  plan: string;
  trackingKey: string;
  apiKey: string;
  apiKeyId: string;
}

/** Creates an app through the admin API; the builder most end-to-end tests start from. */
export async function createApp(
  baseUrl: string,
  adminToken: string,
  plan = 'enterprise',
  name = 'Test app',
): Promise<CreatedApp> {
  const response = await requestJson<CreatedApp>(baseUrl, 'POST', '/admin/v1/apps', { token: adminToken, body: { name, plan } });
  if (response.status !== 201) throw new Error(`creating an app failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
