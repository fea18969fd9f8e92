/** Small JSON-over-fetch helpers for end-to-end tests against a running gateway. */
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
  return { status: response.status, headers: response.headers, body: body as T };
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
