import {
  createApp,
  eventually,
  CreatedApp,
  CustomerS3,
  inParallel,
  JsonResponse,
  requestJson,
  startCustomerS3,
  startTestPlatform,
  TestPlatform,
} from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Operation {
  method: string;
  /** The document's path template, e.g. /api/v1/webhooks/{id}. */
  path: string;
  spec: Json;
}

/** Served beside the API and not part of it: tested by their own specs. */
const INFRASTRUCTURE = /^\/(?:healthz|metrics|docs|openapi\.json|console)(?:\/|$)/;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Which of A's resources a path parameter addresses, by the route it is on (the most specific route first). */
const RESOURCE_ROUTES: [prefix: string, kind: string][] = [
  ['/api/v1/analytics/exports/jobs/', 'bulk export job'],
  ['/api/v1/exports/', 'export'],
  ['/api/v1/webhooks/', 'webhook'],
  ['/api/v1/features/', 'feature'],
  ['/api/v1/segments/', 'segment'],
  ['/api/v1/filters/', 'named filter'],
  ['/api/v1/destinations/', 'destination'],
  ['/api/v1/export-schedules/', 'export schedule'],
  ['/api/v1/privacy/requests/', 'privacy request'],
  ['/rest/ua/v15/filters/reporting/', 'reporting filter'],
  ['/rest/ua/v15/exports/schedules/', 'Coveo schedule'],
  ['/rest/ua/v15/exports/', 'Coveo export'],
];

/**
 * Path parameters that name no resource of an app, each with why B's answer is not a 404:
 * - lookup, apiName: the catalog of lookups and Coveo dimensions, the same for every app (B's answer must
 *   still hold none of A's data);
 * - userId: an app's own user ids (B's privacy request for "A's" user id is about B's user of that id);
 * - trackingKey, path: the tracking routes, authenticated by the key in the path, not by an API key.
 */
const NOT_RESOURCES = new Set(['lookup', 'apiName', 'userId', 'trackingKey', 'path']);

/** One request with a raw body, declared by Content-Length or chunked; the answer's status and text. */
function sendRaw(
  baseUrl: string,
  method: string,
  path: string,
  body: Buffer,
  options: { chunked: boolean; token?: string; contentType?: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    // Node frames a DELETE's body as chunked only when told to.
    if (options.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(body.length);
    let answer: { status: number; text: string } | undefined;
    let failure: string | undefined;
    const settle = () => resolve(answer ?? { status: 0, text: failure ?? 'no answer' });
    // A connection of its own: a refused body leaves the connection unusable for the next request.
    const req = httpRequest(`${baseUrl}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') };
        settle();
        req.destroy();
      });
    });
    // The server closes once it refused the body, while the rest is still on its way: the answer may still be
    // being read then, so a failure counts only if no answer follows.
    req.on('error', (error) => {
      failure ??= String(error);
      setTimeout(settle, 500);
    });
    const piece = 16 * 1024;
    const write = async () => {
      req.flushHeaders();
      // A declared length over the limit is refused before any byte of the body arrives.
      for (let waited = 0; !options.chunked && waited < 2_000 && !answer && !failure; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
      for (let offset = 0; offset < body.length && !answer && !failure; offset += piece) {
        // Small pieces, letting the answer in between: the server can only count what arrives.
        if (!req.write(body.subarray(offset, offset + piece))) await new Promise((r) => req.once('drain', r));
        await new Promise((r) => setImmediate(r));
      }
      if (!answer && !failure) req.end();
    };
    void write().catch((error) => {
      failure ??= String(error);
      setTimeout(settle, 500);
    });
  });
}

/** A JSON document of exactly `bytes` bytes. */
function jsonOfSize(bytes: number): Buffer {
  const frame = '{"pad":""}';
  return Buffer.from(`{"pad":"${'x'.repeat(bytes - frame.length)}"}`);
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * Walks every operation of the gateway's own /openapi.json (so a new route is covered without touching this
 * test): app B's key never reaches app A's resources (404 by id, absent from lists), a key of A without the
 * operation's privilege is refused 403, every body over the route's limit is refused before it is read, and no
 * answer after creation shows a secret.
 */
describe('every documented operation: tenant isolation, privileges, body limits and secrets', () => {
  let platform: TestPlatform;
  let customer: CustomerS3;
  let doc: Json;
  let operations: Operation[];
  let a: CreatedApp;
  let b: CreatedApp;
  /** Keys of A, each lacking the privileges it is named by (e.g. "exports:read"). */
  const limitedKeys = new Map<string, string>();
  /** A's resources by kind (see RESOURCE_ROUTES). */
  const resources: Record<string, string> = {};
  /** Every value naming one of A's resources or its data: none may appear in an answer to B. */
  const aValues: string[] = [];
  /** Secret values (of A, of the platform): none may appear in any answer after the one that created it. */
  const secrets = new Map<string, string>();
  const marker = `isoa${hex(4)}`;
  const aUser = `${marker}-user`;
  /**
   * The user id of the privacy routes, for A and for B alike: user ids are each app's own names, so B's request
   * about it is B's own (A's request, by its id, must stay out of B's answers).
   */
  const privacyUser = `user-${hex(4)}`;
  /** A's bucket (the automatic export, A's destination) and the one B's own storage settings use. */
  let bucket: string;
  let bBucket: string;

  const TRACKING_CALL_BYTES = 32 * 1024;
  const TRACKING_BULK_BYTES = 500 * 1024;
  // Segment's documented limits (SEGMENT_LIMITS).
  const SEGMENT_CALL_BYTES = 32 * 1024;
  const SEGMENT_BATCH_BYTES = 500 * 1024;
  const OTHER_JSON_BYTES = 1024 * 1024;

  const call = (method: string, path: string, token: string, body?: unknown) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token, body });

  /** Creates one of A's resources, failing the setup with the answer when it is not created. */
  const create = async (kind: string, method: string, path: string, body: unknown, id?: (body: Json) => string) => {
    const response = await call(method, path, a.apiKey, body);
    if (response.status >= 300)
      throw new Error(`creating A's ${kind} failed: ${response.status} ${JSON.stringify(response.body)}`);
    if (id) {
      resources[kind] = id(response.body);
      aValues.push(resources[kind]);
    }
    return response.body;
  };

  /** The secret values an answer shows (body or headers), named by kind. */
  const secretsIn = (response: JsonResponse): string[] => {
    const text = `${JSON.stringify(response.body ?? '')}\n${JSON.stringify([...response.headers.entries()])}`;
    return [...secrets].filter(([value]) => text.includes(value)).map(([, kind]) => kind);
  };

  const storage = (of = bucket) => ({
    provider: 'custom',
    endpoint: customer.endpoint,
    bucket: of,
    key: 'exports',
    accessKeyId: customer.accessKeyId,
    secretAccessKey: customer.secretAccessKey,
  });

  /**
   * Valid bodies where the document's examples alone would not pass validation (or would address something
   * real, like a webhook URL on the Internet); every other body is built from the schema's required fields.
   */
  const fixtures = (): Record<string, unknown> => ({
    'POST /api/v1/exports': { startDate: '2024-06-01', endDate: '2024-06-02', dataTypes: ['events'], format: 'jsonl' },
    'POST /api/v1/analytics/exports': { from: '2024-06-01', to: '2024-06-02', format: 'jsonl' },
    'POST /api/v1/webhooks': { url: `http://127.0.0.1:9/${hex(4)}`, eventTypes: ['export.completed'] },
    'PATCH /api/v1/webhooks/{id}': { disabled: false },
    'POST /api/v1/features': { name: `Feature ${hex(4)}`, events: ['Opened report'] },
    'PATCH /api/v1/features/{id}': { name: `Feature ${hex(4)}` },
    'POST /api/v1/segments': { name: `Segment ${hex(4)}`, filter: 'monthly_spend >= 50' },
    'PATCH /api/v1/segments/{id}': { name: `Segment ${hex(4)}` },
    'POST /api/v1/filters': { name: `B_${hex(4).toUpperCase()}`, filter: "event_name == 'Opened report'" },
    'PUT /api/v1/filters/{name}': { filter: "event_name == 'Opened report'" },
    'PUT /api/v1/exclusions': { userIds: [`user-${hex(4)}`], companyIds: [] },
    'POST /api/v1/destinations': { name: `Bucket ${hex(4)}`, ...storage(bBucket) },
    'PATCH /api/v1/destinations/{id}': { name: `Bucket ${hex(4)}` },
    'POST /api/v1/export-schedules': {
      frequency: 'daily',
      dataTypes: ['events'],
      format: 'jsonl',
      delivery: { webhookUrl: `http://127.0.0.1:9/${hex(4)}` },
    },
    'PATCH /api/v1/export-schedules/{id}': { frequency: 'weekly' },
    'PUT /api/v1/retention': { rawEventsDays: 90 },
    'PUT /api/v1/data-export/automatic': { enabled: false, cadence: 'daily' },
    'POST /rest/ua/v15/filters/reporting': { displayName: `B ${hex(4)}`, value: "event_name == 'Opened report'" },
    'PUT /rest/ua/v15/filters/reporting/{filterId}': { displayName: `B ${hex(4)}`, value: "event_name == 'Opened report'" },
    'POST /rest/ua/v15/exports/schedules': { frequency: 'DAILY', description: `B ${hex(4)}` },
    'PUT /rest/ua/v15/exports/schedules/{id}': { frequency: 'WEEKLY', dayOfWeek: 'MONDAY' },
  });

  const resolveRef = (schema: Json): Json =>
    schema?.$ref ? resolveRef(doc.components.schemas[String(schema.$ref).split('/').pop() as string]) : schema;

  /** The smallest value of a schema: its required fields, each from its example, default or first enum value. */
  const sample = (raw: Json, depth = 0): unknown => {
    const schema = resolveRef(raw) ?? {};
    if (schema.example !== undefined) return schema.example;
    if (schema.default !== undefined) return schema.default;
    if (schema.enum) return schema.enum[0];
    if (schema.oneOf || schema.anyOf || schema.allOf) return sample((schema.oneOf ?? schema.anyOf ?? schema.allOf)[0], depth + 1);
    const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
    if (depth > 6) return undefined;
    switch (type) {
      case 'array':
        return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items, depth + 1));
      case 'string':
        return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
      case 'integer':
      case 'number':
        return schema.minimum ?? 1;
      case 'boolean':
        return false;
      default:
        return Object.fromEntries(
          (schema.required ?? []).map((name: string) => [name, sample(schema.properties?.[name], depth + 1)]),
        );
    }
  };

  const key = (op: Operation) => `${op.method} ${op.path}`;
  const bodyFor = (op: Operation): unknown => {
    const fixture = fixtures()[key(op)];
    if (fixture !== undefined) return fixture;
    const schema = op.spec.requestBody?.content?.['application/json']?.schema;
    return schema ? sample(schema) : undefined;
  };
  const queryFor = (op: Operation): string => {
    const required = (op.spec.parameters ?? []).filter((p: Json) => p.in === 'query' && p.required);
    const query = new URLSearchParams(required.map((p: Json) => [p.name, String(sample(p.schema ?? {}) ?? 'x')]));
    const text = query.toString();
    return text ? `?${text}` : '';
  };
  const resourceKind = (op: Operation): string | undefined => RESOURCE_ROUTES.find(([prefix]) => op.path.startsWith(prefix))?.[1];
  const pathParams = (op: Operation): string[] => [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  /** The operation's URL with A's resource (or the non-resource value) in each path parameter. */
  const urlFor = (op: Operation, lookup?: string): string => {
    const path = op.path.replace(/\{([^}]+)\}/g, (_m, param: string) => {
      if (param === 'trackingKey') return a.trackingKey;
      if (param === 'userId') return privacyUser;
      if (param === 'lookup') return lookup as string;
      if (param === 'path') return 'x';
      if (param === 'apiName') {
        const schema = (op.spec.parameters ?? []).find((p: Json) => p.name === param)?.schema ?? {};
        return encodeURIComponent(String(sample(schema)));
      }
      const kind = resourceKind(op);
      const id = kind ? resources[kind] : undefined;
      if (!id) throw new Error(`${key(op)}: no resource of A for {${param}}: add the route to RESOURCE_ROUTES and create one`);
      return encodeURIComponent(id);
    });
    return `${path}${queryFor(op)}`;
  };
  const security = (op: Operation): string[] => (op.spec.security ?? []).flatMap((s: Json) => Object.keys(s));
  const isAdmin = (op: Operation) => security(op).includes('admin');
  const isApiKey = (op: Operation) => security(op).includes('Bearer') || security(op).includes('Token');

  beforeAll(async () => {
    [platform, customer] = await Promise.all([
      startTestPlatform({
        // Hundreds of requests from two keys: the rate limits are tested elsewhere.
        API_RATE_LIMIT: '0',
        EXPORT_POLL_INTERVAL_MS: '100',
        TRACKING_RATE_LIMIT: '0',
        TRACKING_MAX_CALL_BYTES: String(TRACKING_CALL_BYTES),
        TRACKING_MAX_BULK_BYTES: String(TRACKING_BULK_BYTES),
      }),
      startCustomerS3(),
    ]);
    [bucket, bBucket] = await Promise.all([customer.createBucket(`isoa-${marker}`), customer.createBucket('isob')]);
    const served = await fetch(`${platform.gatewayUrl}/openapi.json`);
    expect(served.status).toBe(200);
    doc = await served.json();
    operations = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item as Json)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, spec]) => ({ method: method.toUpperCase(), path, spec })),
    );

    [a, b] = await Promise.all([
      createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', `${marker} app`),
      createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Other app'),
    ]);
    aValues.push(a.id, a.trackingKey, a.apiKeyId, `${marker}`);
    secrets.set(a.apiKey, "A's API key");
    secrets.set(b.apiKey, "B's API key");
    secrets.set(platform.adminToken, 'the admin token');
    secrets.set(platform.internalToken, 'the internal token');
    secrets.set(platform.env.ENCRYPTION_KEY as string, 'the encryption key');
    secrets.set(customer.secretAccessKey, 'the customer S3 secret key');

    // A's data: a user, a company and an event named by the marker.
    const tracked = await requestJson(platform.gatewayUrl, 'POST', `/${a.trackingKey}/bulk`, {
      body: [
        { type: 'user', userId: aUser, attributes: { name: marker } },
        { type: 'company', companyId: `${marker}-co`, userId: aUser, attributes: { name: marker } },
        { type: 'event', event: `${marker} event`, userId: aUser, companyId: `${marker}-co` },
      ],
    });
    expect(tracked.status).toBe(200);

    // One of each resource that has an id in a path, and each per-app setting, named by the marker.
    const webhookUrl = `http://127.0.0.1:9/${marker}`;
    const filterName = `ISOA_${hex(4).toUpperCase()}`;
    const results = await Promise.all([
      create(
        'export',
        'POST',
        '/api/v1/exports',
        { startDate: '2024-06-01', endDate: '2024-06-02', dataTypes: ['events'], format: 'jsonl' },
        (r) => r.id,
      ),
      create('bulk export job', 'POST', '/api/v1/analytics/exports', { from: '2024-06-01', to: '2024-06-02' }, (r) => r.job_id),
      create('webhook', 'POST', '/api/v1/webhooks', { url: webhookUrl, eventTypes: ['export.completed'] }, (r) => r.id),
      create('feature', 'POST', '/api/v1/features', { name: `${marker} feature`, events: [`${marker} event`] }, (r) => r.id),
      create('segment', 'POST', '/api/v1/segments', { name: `${marker} segment`, filter: 'monthly_spend >= 50' }, (r) => r.id),
      create(
        'named filter',
        'POST',
        '/api/v1/filters',
        { name: filterName, displayName: marker, filter: `event_name == '${marker}'` },
        (r) => r.name,
      ),
      create('destination', 'POST', '/api/v1/destinations', { name: `${marker} bucket`, ...storage() }, (r) => r.id),
      create(
        'export schedule',
        'POST',
        '/api/v1/export-schedules',
        {
          frequency: 'daily',
          dataTypes: ['events'],
          format: 'jsonl',
          filter: `event_name == '${marker}'`,
          delivery: { webhookUrl },
        },
        (r) => r.id,
      ),
      create('privacy request', 'POST', `/api/v1/privacy/users/${privacyUser}/export`, undefined, (r) => r.id),
      create(
        'reporting filter',
        'POST',
        '/rest/ua/v15/filters/reporting',
        { displayName: `${marker} filter`, value: `event_name == '${marker}'` },
        (r) => r.id,
      ),
      create(
        'Coveo export',
        'POST',
        '/rest/ua/v15/exports?from=2024-06-10T00:00:00.000Z&to=2024-06-11T00:00:00.000Z',
        undefined,
        (r) => r.id,
      ),
      create(
        'Coveo schedule',
        'POST',
        '/rest/ua/v15/exports/schedules',
        { frequency: 'DAILY', description: `${marker} schedule` },
        (r) => r.id,
      ),
      create('exclusions', 'PUT', '/api/v1/exclusions', {
        userIds: [`${marker}-excluded`],
        companyIds: [`${marker}-excluded-co`],
      }),
      create('retention', 'PUT', '/api/v1/retention', { rawEventsDays: 123, aggregatesDays: 456, exportFilesDays: 3 }),
      create('automatic export', 'PUT', '/api/v1/data-export/automatic', { enabled: true, cadence: 'daily', ...storage() }),
    ]);
    aValues.push(webhookUrl, bucket);
    const [, , webhook, , , , , schedule] = results;
    // A's export completes and notifies A's webhook: a delivery B's key must not see through the job's id.
    await eventually(
      async () =>
        (await call('GET', `/api/v1/exports/${resources.export}/deliveries`, a.apiKey)).body.deliveries?.length
          ? true
          : undefined,
      60_000,
      "the delivery of A's export",
    );
    secrets.set(webhook.secret, "A's webhook signing secret");
    secrets.set(schedule.webhookSecret, "A's schedule signing secret");

    // For each privilege an operation needs: a key of A holding every other one.
    const all: string[] = doc.components.schemas.CreateApiKeyDto.properties.privileges.items.enum;
    for (const lacking of all) {
      const issued = await call('POST', `/admin/v1/apps/${a.id}/keys`, platform.adminToken, {
        privileges: all.filter((p) => p !== lacking),
      });
      expect(issued.status).toBe(201);
      limitedKeys.set(lacking, issued.body.key);
      secrets.set(issued.body.key, `A's key without ${lacking}`);
    }
    // requestJson registered the keys and signing secrets for the run's log scan; these are checked in answers.
    expect([...secrets.keys()].every((value) => typeof value === 'string' && value.length >= 16)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([platform?.stop(), customer?.stop()]);
  });

  it('the walk covers every operation of the document: API-key ones each name their privileges', () => {
    const walked = operations.filter((op) => !INFRASTRUCTURE.test(op.path));
    expect(walked.length).toBeGreaterThan(90);
    const unclassified = walked.filter((op) => {
      if (isAdmin(op)) return false;
      if (isApiKey(op)) return !op.spec['x-privileges']?.length;
      // The rest are the tracking routes: the app's tracking key in the path, or Segment's write key.
      return !(op.path.startsWith('/{trackingKey}/') || security(op).includes('Basic'));
    });
    expect(unclassified.map(key)).toEqual([]);
    // Every path parameter of an API-key route names one of A's resources, or is one of NOT_RESOURCES.
    const unmapped = walked
      .filter((op) => isApiKey(op))
      .flatMap((op) =>
        pathParams(op)
          .filter((param) => !NOT_RESOURCES.has(param) && !resources[resourceKind(op) ?? ''])
          .map((param) => `${key(op)} {${param}}`),
      );
    expect(unmapped).toEqual([]);
  });

  it("app B's key: A's resources by id are 404, B's lists and settings hold nothing of A's, secrets never shown", async () => {
    const failures: string[] = [];
    const apiKeyOps = operations.filter((op) => !INFRASTRUCTURE.test(op.path) && isApiKey(op));
    const tasks = apiKeyOps.flatMap((op) => {
      const lookupParam = (op.spec.parameters ?? []).find((p: Json) => p.in === 'path' && p.name === 'lookup');
      const lookups: (string | undefined)[] = lookupParam ? lookupParam.schema.enum : [undefined];
      return lookups.map((lookup) => async () => {
        const url = urlFor(op, lookup);
        const body = bodyFor(op);
        const response = await call(op.method, url, b.apiKey, body);
        const what = `${op.method} ${url} -> ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`;
        const byId = pathParams(op).some((param) => !NOT_RESOURCES.has(param));
        if (byId) {
          if (response.status !== 404) failures.push(`expected 404: ${what}`);
        } else if (op.path === '/api/v1/privacy/users/{userId}' || op.path === '/api/v1/privacy/users/{userId}/export') {
          // B's request about its own user of that id: accepted, and only B's (checked below with A's list).
          if (response.status !== 202) failures.push(`expected 202: ${what}`);
        } else if (key(op) === 'POST /api/v1/data-export/automatic/run') {
          // B never set up an automatic export: nothing to run (A's is not B's).
          if (response.status !== 400) failures.push(`expected 400 (no automatic export of B's): ${what}`);
        } else if (response.status >= 300) failures.push(`expected B's own answer (2xx): ${what}`);
        const text = JSON.stringify(response.body ?? '');
        // An id B sent itself (in the path, e.g. in a 404's message) is no leak: anything else of A's is.
        const sent = `${url} ${JSON.stringify(body ?? '')}`;
        const leaked = aValues.filter((value) => text.includes(value) && !sent.includes(value));
        if (leaked.length > 0) failures.push(`A's ${leaked.join(', ')} in the answer to B: ${what}`);
        const shown = secretsIn(response);
        if (shown.length > 0) failures.push(`${shown.join(', ')} shown: ${op.method} ${url}`);
      });
    });
    await inParallel(tasks);
    expect(failures).toEqual([]);
    expect(tasks.length).toBeGreaterThanOrEqual(apiKeyOps.length);

    // B's privacy requests are B's: A's audit log holds only A's own.
    const aRequests = await call('GET', '/api/v1/privacy/requests', a.apiKey);
    expect(aRequests.status).toBe(200);
    expect(JSON.stringify(aRequests.body)).toContain(resources['privacy request']);
    const bRequests = await call('GET', '/api/v1/privacy/requests', b.apiKey);
    const bIds: string[] = (bRequests.body.data ?? []).map((r: Json) => r.id);
    expect(bIds.length).toBeGreaterThan(0);
    for (const id of bIds) expect(JSON.stringify(aRequests.body)).not.toContain(id);
  }, 180_000);

  it("B cannot point its own resources at A's (a schedule into A's destination, a filter using A's named filter)", async () => {
    const schedule = await call('POST', '/api/v1/export-schedules', b.apiKey, {
      frequency: 'daily',
      dataTypes: ['events'],
      format: 'jsonl',
      delivery: { destinationId: resources.destination },
    });
    expect(schedule.status).toBeGreaterThanOrEqual(400);
    expect(schedule.status).toBeLessThan(500);
    const job = await call('POST', '/api/v1/exports', b.apiKey, {
      dataTypes: ['events'],
      format: 'jsonl',
      filter: `$${resources['named filter']}`,
    });
    expect(job.status).toBe(400);
    expect(JSON.stringify(job.body)).not.toContain(marker);
  });

  it("a key of A lacking the operation's privilege gets 403 missing_privilege on every operation", async () => {
    const failures: string[] = [];
    const guarded = operations.filter((op) => !INFRASTRUCTURE.test(op.path) && op.spec['x-privileges']?.length);
    const tasks = guarded.flatMap((op) =>
      (op.spec['x-privileges'] as string[]).map((privilege) => async () => {
        const lookupParam = (op.spec.parameters ?? []).find((p: Json) => p.name === 'lookup');
        const url = urlFor(op, lookupParam?.schema.enum[0]);
        const response = await call(op.method, url, limitedKeys.get(privilege) as string, bodyFor(op));
        if (response.status !== 403 || response.body?.error?.code !== 'missing_privilege') {
          failures.push(
            `${op.method} ${url} without ${privilege} -> ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`,
          );
        }
      }),
    );
    await inParallel(tasks);
    expect(failures).toEqual([]);
    expect(tasks.length).toBeGreaterThanOrEqual(guarded.length);
  }, 180_000);

  it('admin operations refuse app API keys (401), whatever their privileges', async () => {
    const admin = operations.filter((op) => isAdmin(op));
    expect(admin.length).toBeGreaterThan(0);
    const failures: string[] = [];
    await inParallel(
      admin.flatMap((op) =>
        [a.apiKey, b.apiKey].map((token) => async () => {
          const url = op.path.replace('{id}', a.id).replace('{keyId}', a.apiKeyId);
          const response = await call(op.method, url, token, bodyFor(op));
          if (response.status !== 401 && response.status !== 403) failures.push(`${op.method} ${url} -> ${response.status}`);
          if (secretsIn(response).length > 0) failures.push(`${op.method} ${url} shows ${secretsIn(response).join(', ')}`);
        }),
      ),
    );
    expect(failures).toEqual([]);
  }, 180_000);

  it("every operation refuses a body over its route's limit, declared or chunked, before reading it (413)", async () => {
    /** The route's limit: the tracking routes' own (tracking.config.ts, Segment's), the gateway's 1 MiB otherwise. */
    const limitOf = (op: Operation) => {
      if (op.path === '/{trackingKey}/bulk') return TRACKING_BULK_BYTES;
      if (/^\/\{trackingKey\}\/[a-z]+$/.test(op.path)) return TRACKING_CALL_BYTES;
      if (op.path === '/v1/batch') return SEGMENT_BATCH_BYTES;
      if (op.path.startsWith('/v1/')) return SEGMENT_CALL_BYTES;
      return OTHER_JSON_BYTES;
    };
    // A GET's body is never read (Fastify parses bodies of the other methods only): nothing to limit there.
    const withBody = operations.filter((op) => op.method !== 'GET' && !INFRASTRUCTURE.test(op.path));
    expect(withBody.filter((op) => op.spec.requestBody).length).toBeGreaterThan(30);
    const failures: string[] = [];
    await inParallel(
      withBody.flatMap((op) =>
        [false, true].map((chunked) => async () => {
          const url = isAdmin(op) ? op.path.replace('{id}', a.id).replace('{keyId}', a.apiKeyId) : urlFor(op, 'segments');
          const limit = limitOf(op);
          const token = isAdmin(op) ? platform.adminToken : a.apiKey;
          const answer = await sendRaw(platform.gatewayUrl, op.method, url, jsonOfSize(limit + 1), { chunked, token });
          // Segment's HTTP API answers its size limits with a 400 (payload_too_large), as Segment itself does.
          const expected = op.path.startsWith('/v1/') ? 400 : 413;
          const code = op.path.startsWith('/v1/') ? /payload_too_large/ : /./;
          if (answer.status !== expected || !code.test(answer.text)) {
            failures.push(
              `${op.method} ${url} with ${limit + 1} bytes${chunked ? ' (chunked)' : ''} -> ${answer.status} ${answer.text.slice(0, 160)}`,
            );
          }
        }),
      ),
      4,
    );
    expect(failures).toEqual([]);
  }, 180_000);

  it('a body of any other content type is refused unread (415), however large', async () => {
    const withBody = operations.filter((op) => op.method !== 'GET' && !INFRASTRUCTURE.test(op.path));
    const failures: string[] = [];
    await inParallel(
      withBody.map((op) => async () => {
        const url = isAdmin(op) ? op.path.replace('{id}', a.id).replace('{keyId}', a.apiKeyId) : urlFor(op, 'segments');
        const token = isAdmin(op) ? platform.adminToken : a.apiKey;
        const answer = await sendRaw(platform.gatewayUrl, op.method, url, Buffer.alloc(2 * OTHER_JSON_BYTES, 'x'), {
          // Declared: the answer is awaited before the body is sent, which the server then never reads.
          chunked: false,
          token,
          contentType: 'text/plain',
        });
        // Segment's routes count the bytes of any body first (their 400 payload_too_large), then refuse the type.
        const refused = op.path.startsWith('/v1/') ? [400, 415] : [415];
        if (!refused.includes(answer.status))
          failures.push(`${op.method} ${url} (text/plain) -> ${answer.status} ${answer.text.slice(0, 160)}`);
      }),
      4,
    );
    expect(failures).toEqual([]);
  }, 180_000);

  it('secrets are shown once, at creation: reading, listing and changing what holds them never shows them again', async () => {
    const reads: [string, string][] = [
      ['GET', `/api/v1/webhooks/${resources.webhook}`],
      ['GET', '/api/v1/webhooks'],
      ['PATCH', `/api/v1/webhooks/${resources.webhook}`],
      ['GET', `/api/v1/webhooks/${resources.webhook}/deliveries`],
      ['GET', `/api/v1/export-schedules/${resources['export schedule']}`],
      ['GET', '/api/v1/export-schedules'],
      ['PATCH', `/api/v1/export-schedules/${resources['export schedule']}`],
      ['GET', `/api/v1/destinations/${resources.destination}`],
      ['GET', '/api/v1/destinations'],
      ['PATCH', `/api/v1/destinations/${resources.destination}`],
      ['POST', `/api/v1/destinations/${resources.destination}/check`],
      ['GET', '/api/v1/data-export/automatic'],
      ['PUT', '/api/v1/data-export/automatic'],
    ];
    const bodies: Record<string, unknown> = {
      [`PATCH /api/v1/webhooks/${resources.webhook}`]: { disabled: false },
      [`PATCH /api/v1/export-schedules/${resources['export schedule']}`]: { frequency: 'daily' },
      [`PATCH /api/v1/destinations/${resources.destination}`]: { secretAccessKey: customer.secretAccessKey },
      'PUT /api/v1/data-export/automatic': { enabled: true, cadence: 'weekly', ...storage() },
    };
    for (const [method, path] of reads) {
      const response = await call(method, path, a.apiKey, bodies[`${method} ${path}`]);
      expect([method, path, response.status < 300]).toEqual([method, path, true]);
      expect([method, path, secretsIn(response)]).toEqual([method, path, []]);
    }
    const appRead = await call('GET', `/admin/v1/apps/${a.id}`, platform.adminToken);
    expect(appRead.status).toBe(200);
    expect(secretsIn(appRead)).toEqual([]);
  });

  it("A's resources all survived B's walk", async () => {
    const reads: [string, string][] = [
      ['export', `/api/v1/exports/${resources.export}`],
      ['bulk export job', `/api/v1/analytics/exports/jobs/${resources['bulk export job']}`],
      ['webhook', `/api/v1/webhooks/${resources.webhook}`],
      ['feature', `/api/v1/features/${resources.feature}`],
      ['segment', `/api/v1/segments/${resources.segment}`],
      ['named filter', `/api/v1/filters/${resources['named filter']}`],
      ['destination', `/api/v1/destinations/${resources.destination}`],
      ['export schedule', `/api/v1/export-schedules/${resources['export schedule']}`],
      ['privacy request', `/api/v1/privacy/requests/${resources['privacy request']}`],
      ['reporting filter', `/rest/ua/v15/filters/reporting/${resources['reporting filter']}`],
      ['Coveo export', `/rest/ua/v15/exports/${resources['Coveo export']}`],
      ['Coveo schedule', `/rest/ua/v15/exports/schedules/${resources['Coveo schedule']}`],
    ];
    for (const [kind, path] of reads) expect([kind, (await call('GET', path, a.apiKey)).status]).toEqual([kind, 200]);
    expect((await call('GET', '/api/v1/exclusions', a.apiKey)).body).toMatchObject({ userIds: [`${marker}-excluded`] });
    expect((await call('GET', '/api/v1/retention', a.apiKey)).body).toMatchObject({ rawEventsDays: 123 });
    expect((await call('GET', '/api/v1/data-export/automatic', a.apiKey)).body).toMatchObject({
      enabled: true,
      destination: { bucket },
    });
  });
});
