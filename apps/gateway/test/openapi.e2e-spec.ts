import { Logger, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { INestApplication } from '@nestjs/common/interfaces';
import { ModulesContainer } from '@nestjs/core';
import { readEnv } from '@exportd/config';
import { createApp, CreatedApp, REPO_ROOT, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';
import type { RouteOptions } from 'fastify';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGateway } from '../src/bootstrap';
import { gatewayEnvSchema } from '../src/config/env';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Every route Fastify registers in this process, through its public `onRoute` hook added to each instance as
 * it is created (before any route is registered), so routes added directly on Fastify are seen too.
 */
const mockRegisteredRoutes: { method: string; url: string }[] = [];
jest.mock('fastify', () => {
  const actual = jest.requireActual<typeof import('fastify')>('fastify');
  const recording = ((options?: Parameters<typeof actual.fastify>[0]) => {
    const instance = actual.fastify(options);
    instance.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) mockRegisteredRoutes.push({ method: String(method), url: route.url });
    });
    return instance;
  }) as unknown as typeof actual.fastify;
  return Object.assign(recording, actual, { fastify: recording, default: recording });
});

/** Answers with a 4xx/5xx status whose body is a report, not an error: the health check's 503. */
const NOT_ERROR_BODIES = ['GET /healthz 503'];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * The routes that are infrastructure, not API: CORS preflights, the HEAD twin Fastify adds to each GET route,
 * the document and Swagger UI (`/docs*`), metrics and the console (`/console*`).
 */
function isInfrastructure(method: string, path: string, getPaths: ReadonlySet<string>): boolean {
  if (method === 'OPTIONS' || (method === 'HEAD' && getPaths.has(path))) return true;
  return path === '/openapi.json' || path === '/metrics' || path.startsWith('/docs') || path.startsWith('/console');
}

/** A Fastify URL as an OpenAPI path: `:id` -> `{id}`, a trailing wildcard -> `{path}`, no trailing slash. */
function openApiPath(url: string): string {
  const path = url
    .replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    .replace(/\/\*$/, '/{path}')
    .replace(/(.)\/+$/, '$1');
  return path || '/';
}

/** The controller routes (method and OpenAPI path) that take a `@Body()`. */
function routesWithBody(app: INestApplication): string[] {
  const routes: string[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prefixes = [(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined) ?? ''].flat();
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, unknown>;
        if (!Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY))) continue;
        for (const prefix of prefixes) {
          for (const path of [(Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined) ?? ''].flat()) {
            routes.push(`${RequestMethod[method]} ${openApiPath(`/${prefix}/${path}`.replace(/\/+/g, '/'))}`);
          }
        }
      }
    }
  }
  return routes;
}

function operations(document: Json): { method: string; path: string; operation: Json; pathItem: Json }[] {
  const found: { method: string; path: string; operation: Json; pathItem: Json }[] = [];
  for (const [path, pathItem] of Object.entries(document.paths as Json)) {
    for (const method of HTTP_METHODS) {
      const operation = (pathItem as Json)[method] as Json | undefined;
      if (operation) found.push({ method: method.toUpperCase(), path, operation, pathItem: pathItem as Json });
    }
  }
  return found;
}

/** The document's schema behind a `$ref` (local references only). */
function resolve(document: Json, schema: Json): Json {
  let current = schema;
  for (let depth = 0; typeof current.$ref === 'string'; depth++) {
    if (depth > 20) throw new Error(`reference loop at ${String(current.$ref)}`);
    const ref = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`non-local reference ${ref}`);
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Json | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    if (target === undefined) throw new Error(`unresolved reference ${ref}`);
    current = target as Json;
  }
  return current;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Where `value` does not fit `schema` (the subset of JSON Schema the document uses: $ref, type, enum,
 * properties, required, additionalProperties, items, allOf, oneOf, anyOf). An object schema with properties
 * and no additionalProperties takes only those properties, so an undocumented field is a mismatch.
 */
function mismatches(document: Json, schema: Json, value: unknown, at = '$'): string[] {
  const resolved = resolve(document, schema);
  const alternatives = (resolved.oneOf ?? resolved.anyOf) as Json[] | undefined;
  if (alternatives) {
    const results = alternatives.map((alternative) => mismatches(document, alternative, value, at));
    if (!results.some((problems) => problems.length === 0))
      return [`${at}: fits none of the alternatives (${results.flat().join('; ')})`];
  }
  const problems: string[] = [];
  for (const part of (resolved.allOf as Json[] | undefined) ?? []) problems.push(...mismatches(document, part, value, at));
  if (resolved.type !== undefined) {
    const types = [resolved.type].flat() as string[];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return [...problems, `${at}: is ${actual}, documented ${types.join(' | ')}`];
    }
  }
  if (Array.isArray(resolved.enum) && !resolved.enum.includes(value)) {
    problems.push(`${at}: ${JSON.stringify(value)} is not among ${JSON.stringify(resolved.enum)}`);
  }
  if (typeOf(value) === 'object' && (resolved.properties || resolved.required)) {
    const object = value as Json;
    const properties = (resolved.properties ?? {}) as Json;
    for (const key of (resolved.required as string[] | undefined) ?? []) {
      if (!(key in object)) problems.push(`${at}.${key}: is required by the document but missing`);
    }
    for (const [key, child] of Object.entries(object)) {
      if (properties[key]) problems.push(...mismatches(document, properties[key] as Json, child, `${at}.${key}`));
      else if (resolved.additionalProperties === undefined || resolved.additionalProperties === false) {
        problems.push(`${at}.${key}: is not documented`);
      } else if (typeof resolved.additionalProperties === 'object') {
        problems.push(...mismatches(document, resolved.additionalProperties as Json, child, `${at}.${key}`));
      }
    }
  } else if (typeOf(value) === 'object' && typeof resolved.additionalProperties === 'object') {
    for (const [key, child] of Object.entries(value as Json)) {
      problems.push(...mismatches(document, resolved.additionalProperties as Json, child, `${at}.${key}`));
    }
  }
  if (Array.isArray(value) && resolved.items) {
    value.forEach((item, index) => problems.push(...mismatches(document, resolved.items as Json, item, `${at}[${index}]`)));
  }
  return problems;
}

/** Validates with @seriousme/openapi-schema-validator (ESM only: run by its CLI in a child process). */
async function validateOpenApi(document: Json): Promise<{ valid: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const cli = join(REPO_ROOT, 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, file], { cwd: REPO_ROOT });
    return { valid: (JSON.parse(stdout) as { valid: boolean }).valid, output: stdout };
  } catch (error) {
    return { valid: false, output: String((error as { stdout?: string }).stdout ?? error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('OpenAPI document (GET /openapi.json, /docs)', () => {
  let platform: TestPlatform;
  let document: Json;
  let registered: { method: string; path: string }[];
  let bodyRoutes: string[];

  beforeAll(async () => {
    platform = await startTestPlatform();
    const response = await fetch(`${platform.gatewayUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    document = (await response.json()) as Json;

    // The same gateway, built in this process, to list the routes it registers.
    Logger.overrideLogger(['error']);
    const gateway = await createGateway(readEnv(gatewayEnvSchema, platform.env));
    try {
      await gateway.init();
      await gateway.getHttpAdapter().getInstance().ready();
      bodyRoutes = routesWithBody(gateway);
    } finally {
      await gateway.close();
    }
    const seen = new Set<string>();
    registered = [];
    for (const { method, url } of mockRegisteredRoutes) {
      const path = openApiPath(url);
      const key = `${method} ${path}`;
      if (!seen.has(key)) registered.push({ method, path });
      seen.add(key);
    }
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validateOpenApi(document);
    if (!result.valid) throw new Error(`the document is not valid OpenAPI 3.1:\n${result.output}`);
  });

  it('GET /docs answers Swagger UI (HTML) for the document', async () => {
    const response = await fetch(`${platform.gatewayUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('swagger-ui');
    const init = await fetch(`${platform.gatewayUrl}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toMatch(/"openapi":\s*"3\.1\.0"/);
    const bundle = await fetch(`${platform.gatewayUrl}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
  });

  it('documents every route the gateway registers (method and path)', () => {
    const getPaths = new Set(registered.filter(({ method }) => method === 'GET').map(({ path }) => path));
    const routes = registered.filter(({ method, path }) => !isInfrastructure(method, path, getPaths));
    // The in-process listing saw the Nest controllers and the routes added on Fastify directly.
    expect(routes.length).toBeGreaterThan(50);
    expect(routes).toContainEqual({ method: 'GET', path: '/{trackingKey}/features/{path}' });
    const documented = new Set(operations(document).map(({ method, path }) => `${method} ${path}`));
    const missing = routes.map(({ method, path }) => `${method} ${path}`).filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  it('documents no route the gateway does not have', () => {
    const routes = new Set(registered.map(({ method, path }) => `${method} ${path}`));
    const stale = operations(document)
      .map(({ method, path }) => `${method} ${path}`)
      .filter((route) => !routes.has(route));
    expect(stale).toEqual([]);
  });

  it('gives every operation a summary, a described tag and a unique operationId, and declares its path parameters', () => {
    const problems: string[] = [];
    const ids = new Set<string>();
    const declaredTags = ((document.tags as Json[] | undefined) ?? [])
      .filter((tag) => tag.description)
      .map((tag) => tag.name as string);
    for (const { method, path, operation, pathItem } of operations(document)) {
      const where = `${method} ${path}`;
      if (!operation.summary) problems.push(`${where}: no summary`);
      if (!Array.isArray(operation.tags) || operation.tags.length === 0) problems.push(`${where}: no tag`);
      for (const tag of (operation.tags as string[] | undefined) ?? []) {
        if (!declaredTags.includes(tag)) problems.push(`${where}: tag ${tag} has no description in the document's tags`);
      }
      if (!operation.operationId || ids.has(operation.operationId)) problems.push(`${where}: operationId missing or repeated`);
      ids.add(operation.operationId);
      const declared = [
        ...((pathItem.parameters as Json[] | undefined) ?? []),
        ...((operation.parameters as Json[] | undefined) ?? []),
      ]
        .map((parameter) => resolve(document, parameter))
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name as string);
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        if (!declared.includes(name as string)) problems.push(`${where}: path parameter ${name} not declared`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every /api/ operation a security requirement of a registered scheme', () => {
    const schemes = Object.keys((document.components?.securitySchemes ?? {}) as Json);
    expect(schemes.sort()).toEqual(['Basic', 'Bearer', 'Token', 'admin']);
    const problems: string[] = [];
    for (const { method, path, operation } of operations(document)) {
      const security = (operation.security ?? document.security) as Json[] | undefined;
      if (path.startsWith('/api/') || path.startsWith('/admin/') || path.startsWith('/rest/')) {
        if (!security || security.length === 0 || security.every((requirement) => Object.keys(requirement).length === 0)) {
          problems.push(`${method} ${path}: no security requirement`);
        }
      }
      for (const requirement of security ?? []) {
        for (const name of Object.keys(requirement)) {
          if (!schemes.includes(name)) problems.push(`${method} ${path}: unknown security scheme ${name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents JSON success bodies with a schema and error answers with the error body', () => {
    const errorBodies = ['#/components/schemas/ApiErrorBody', '#/components/schemas/BulkApiErrorBody'];
    const isErrorBody = (schema: Json | undefined): boolean =>
      !!schema &&
      (errorBodies.includes(schema.$ref as string) ||
        (Array.isArray(schema.oneOf) &&
          (schema.oneOf as Json[]).every((alternative) => errorBodies.includes(alternative.$ref as string))));
    const problems: string[] = [];
    for (const { method, path, operation } of operations(document)) {
      const responses = Object.entries((operation.responses ?? {}) as Json);
      const where = `${method} ${path}`;
      // Only a route that always refuses (marked x-not-supported) may lack a success answer.
      if (!responses.some(([status]) => /^[23]/.test(status)) && operation['x-not-supported'] !== true) {
        problems.push(`${where}: no success response`);
      }
      for (const [status, response] of responses) {
        const content = (response as Json).content as Json | undefined;
        if (/^[45]/.test(status) && !NOT_ERROR_BODIES.includes(`${where} ${status}`)) {
          if (!isErrorBody(content?.['application/json']?.schema as Json | undefined)) {
            problems.push(`${where} ${status}: not the error body`);
          }
        } else if (/^2/.test(status) && status !== '204') {
          const schemas = Object.values(content ?? {}).map((media) => (media as Json).schema as Json | undefined);
          if (schemas.length === 0 || schemas.some((schema) => !schema || Object.keys(schema).length === 0)) {
            problems.push(`${where} ${status}: no body schema`);
          }
        }
        if (!(response as Json).description) problems.push(`${where} ${status}: no description`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents the request body of every route that reads one', () => {
    expect(bodyRoutes.length).toBeGreaterThan(20);
    const problems = bodyRoutes.filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      const body = (document.paths as Json)[path]?.[method.toLowerCase()]?.requestBody as Json | undefined;
      const schema = body?.content?.['application/json']?.schema as Json | undefined;
      return !schema || Object.keys(schema).length === 0 || (schema.type === 'object' && !schema.properties && !schema.$ref);
    });
    expect(problems).toEqual([]);
  });

  it('resolves every $ref of the document', () => {
    const refs = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.add(value);
          else walk(value);
        }
      }
    };
    walk(document);
    const unresolved = [...refs].filter((ref) => {
      try {
        resolve(document, { $ref: ref });
        return false;
      } catch {
        return true;
      }
    });
    expect(unresolved).toEqual([]);
  });

  describe('real answers fit their documented responses', () => {
    let app: CreatedApp;

    beforeAll(async () => {
      app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'OpenAPI answers');
    });

    /** Calls the gateway and checks the status is documented for the operation and the body fits its schema. */
    async function answerFits(
      method: string,
      template: string,
      url: string,
      options: { body?: unknown; authorization?: string; bearer?: boolean } = {},
    ): Promise<{ status: number; body: Json }> {
      const authorization = options.authorization ?? (options.bearer === false ? undefined : `Bearer ${app.apiKey}`);
      const response = await requestJson(platform.gatewayUrl, method, url, { body: options.body, authorization });
      const operation = (document.paths as Json)[template]?.[method.toLowerCase()] as Json | undefined;
      if (!operation) throw new Error(`${method} ${template} is not documented`);
      const documented = (operation.responses as Json)[String(response.status)] as Json | undefined;
      if (!documented) {
        throw new Error(`${method} ${url} answered ${response.status}, not documented: ${JSON.stringify(response.body)}`);
      }
      const schema = (documented.content as Json | undefined)?.['application/json']?.schema as Json | undefined;
      if (response.status !== 204 && typeof response.body === 'object') {
        if (!schema) throw new Error(`${method} ${template} ${response.status} has no JSON schema`);
        expect({ route: `${method} ${url} ${response.status}`, problems: mismatches(document, schema, response.body) }).toEqual({
          route: `${method} ${url} ${response.status}`,
          problems: [],
        });
      }
      return response as { status: number; body: Json };
    }

    it('health and tracking', async () => {
      await answerFits('GET', '/healthz', '/healthz', { bearer: false });
      const tk = app.trackingKey;
      const tracking = (method: string, body: unknown) =>
        answerFits('POST', `/{trackingKey}/${method}`, `/${tk}/${method}`, { body, bearer: false });
      expect((await tracking('user', { userId: 'u1', attributes: { plan: 'pro' } })).status).toBe(200);
      expect((await tracking('company', { companyId: 'c1', userId: 'u1' })).status).toBe(200);
      expect((await tracking('event', { event: 'Opened', userId: 'u1' })).status).toBe(200);
      expect((await tracking('events', { event: 'Opened', userId: 'u1' })).status).toBe(200);
      expect((await tracking('page', { userId: 'u1', url: 'https://example.com/a' })).status).toBe(200);
      expect((await tracking('feedback', { userId: 'u1', featureId: 'f1', score: 4 })).status).toBe(200);
      expect((await tracking('bulk', [{ type: 'event', event: 'Opened', userId: 'u1' }])).status).toBe(200);
      expect((await tracking('user', { userId: 'u1', nope: true })).status).toBe(400);
      const unknownKey = await answerFits('POST', '/{trackingKey}/user', '/tk_unknown/user', {
        body: { userId: 'u1' },
        bearer: false,
      });
      expect(unknownKey.status).toBe(401);
      const flags = await answerFits('GET', '/{trackingKey}/features/{path}', `/${tk}/features/enabled`, { bearer: false });
      expect(flags.status).toBe(404);
    });

    it('Segment-compatible tracking', async () => {
      const basic = `Basic ${Buffer.from(`${app.trackingKey}:`).toString('base64')}`;
      const segment = (type: string, body: unknown, authorization = basic) =>
        answerFits('POST', `/v1/${type}`, `/v1/${type}`, { body, authorization });
      expect((await segment('track', { userId: 'u1', event: 'Opened' })).status).toBe(200);
      expect((await segment('identify', { userId: 'u1', traits: { plan: 'pro' } })).status).toBe(200);
      expect((await segment('group', { userId: 'u1', groupId: 'c1' })).status).toBe(200);
      expect((await segment('page', { userId: 'u1', name: 'Home' })).status).toBe(200);
      expect((await segment('screen', { userId: 'u1', name: 'Home' })).status).toBe(200);
      expect((await segment('batch', { batch: [{ type: 'track', userId: 'u1', event: 'Opened' }] })).status).toBe(200);
      expect((await segment('alias', { userId: 'u1', previousId: 'u0' })).status).toBe(400);
      expect(
        (await segment('track', { userId: 'u1', event: 'Opened' }, 'Basic ' + Buffer.from('nope:').toString('base64'))).status,
      ).toBe(401);
    });

    it('Bulk Data Export API and lookups', async () => {
      const token = `Token ${app.apiKey}`;
      const created = await answerFits('POST', '/api/v1/analytics/exports', '/api/v1/analytics/exports/', {
        body: { from: '2024-06-01', to: '2024-06-02' },
        authorization: token,
      });
      expect(created.status).toBe(201);
      await answerFits('GET', '/api/v1/analytics/exports/jobs', '/api/v1/analytics/exports/jobs/', { authorization: token });
      const job = await answerFits(
        'GET',
        '/api/v1/analytics/exports/jobs/{jobId}',
        `/api/v1/analytics/exports/jobs/${created.body.job_id}`,
        {
          authorization: token,
        },
      );
      expect(job.status).toBe(200);
      const missing = await answerFits('GET', '/api/v1/analytics/exports/jobs/{jobId}', '/api/v1/analytics/exports/jobs/nope', {
        authorization: token,
      });
      expect(missing.status).toBe(404);
      for (const lookup of [
        'user_properties',
        'company_properties',
        'features_events',
        'event_types',
        'events_properties',
        'segments',
      ]) {
        const answer = await answerFits(
          'GET',
          '/api/v1/analytics/exports/lookups/{lookup}',
          `/api/v1/analytics/exports/lookups/${lookup}`,
          {
            authorization: token,
          },
        );
        expect(answer.status).toBe(200);
      }
      const unknownLookup = await answerFits(
        'GET',
        '/api/v1/analytics/exports/lookups/{lookup}',
        '/api/v1/analytics/exports/lookups/nope',
        {
          authorization: token,
        },
      );
      expect(unknownLookup.status).toBe(404);
      const unauthenticated = await answerFits('GET', '/api/v1/analytics/exports/jobs', '/api/v1/analytics/exports/jobs', {
        bearer: false,
      });
      expect(unauthenticated.status).toBe(401);
    });

    it('on-demand exports and the company data export', async () => {
      const created = await answerFits('POST', '/api/v1/exports', '/api/v1/exports', {
        body: { startDate: '2024-06-01', endDate: '2024-06-02', dataTypes: ['events', 'users'], format: 'jsonl' },
      });
      expect(created.status).toBe(202);
      expect((await answerFits('GET', '/api/v1/exports', '/api/v1/exports')).status).toBe(200);
      expect((await answerFits('GET', '/api/v1/exports/{id}', `/api/v1/exports/${created.body.id}`)).status).toBe(200);
      const cancelled = await answerFits('DELETE', '/api/v1/exports/{id}', `/api/v1/exports/${created.body.id}`);
      expect([200, 409]).toContain(cancelled.status);
      expect(
        (await answerFits('POST', '/api/v1/exports', '/api/v1/exports', { body: { dataTypes: [], format: 'x' } })).status,
      ).toBe(400);
      expect((await answerFits('GET', '/api/v1/exports/{id}', '/api/v1/exports/nope')).status).toBe(404);

      const csv = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/data-export/companies?history=today', {
        authorization: `Bearer ${app.apiKey}`,
      });
      expect(csv.status).toBe(200);
      const csvResponse = (document.paths as Json)['/api/v1/data-export/companies'].get.responses['200'] as Json;
      expect(Object.keys(csvResponse.content as Json)).toContain(csv.headers.get('content-type')?.split(';')[0]);
      const badHistory = await answerFits('GET', '/api/v1/data-export/companies', '/api/v1/data-export/companies?history=nope');
      expect(badHistory.status).toBe(400);

      expect((await answerFits('GET', '/api/v1/data-export/automatic', '/api/v1/data-export/automatic')).status).toBe(200);
      const disabled = await answerFits('PUT', '/api/v1/data-export/automatic', '/api/v1/data-export/automatic', {
        body: { enabled: false, cadence: 'daily' },
      });
      expect([200, 400]).toContain(disabled.status);
    });

    it('Coveo-compatible dimensions, reporting filters, exports and schedules', async () => {
      const dimensions = await answerFits('GET', '/rest/ua/v15/dimensions', '/rest/ua/v15/dimensions');
      expect(dimensions.status).toBe(200);
      expect((await answerFits('GET', '/rest/ua/v15/dimensions/{apiName}', '/rest/ua/v15/dimensions/user_id')).status).toBe(200);
      expect((await answerFits('GET', '/rest/ua/v15/dimensions/{apiName}', '/rest/ua/v15/dimensions/nope')).status).toBe(404);
      expect((await answerFits('GET', '/rest/ua/v15/dimensions', '/rest/ua/v15/dimensions?org=other')).status).toBe(404);

      const filter = await answerFits('POST', '/rest/ua/v15/filters/reporting', '/rest/ua/v15/filters/reporting', {
        body: { displayName: 'Opened reports', value: "event_name == 'Opened report'" },
      });
      expect(filter.status).toBe(201);
      const filterPath = `/rest/ua/v15/filters/reporting/${filter.body.id}`;
      expect((await answerFits('GET', '/rest/ua/v15/filters/reporting', '/rest/ua/v15/filters/reporting')).status).toBe(200);
      expect((await answerFits('GET', '/rest/ua/v15/filters/reporting/{filterId}', filterPath)).status).toBe(200);
      const replaced = await answerFits('PUT', '/rest/ua/v15/filters/reporting/{filterId}', filterPath, {
        body: { displayName: 'Opened', value: "event_name == 'Opened'" },
      });
      expect(replaced.status).toBe(200);
      expect((await answerFits('DELETE', '/rest/ua/v15/filters/reporting/{filterId}', filterPath)).status).toBe(204);

      const query = 'from=2024-06-10T00:00:00.000Z&to=2024-06-11T00:00:00.000Z&tables=events';
      const created = await answerFits('POST', '/rest/ua/v15/exports', `/rest/ua/v15/exports?${query}`);
      expect(created.status).toBe(201);
      expect((await answerFits('GET', '/rest/ua/v15/exports', '/rest/ua/v15/exports')).status).toBe(200);
      expect((await answerFits('GET', '/rest/ua/v15/exports/estimate', `/rest/ua/v15/exports/estimate?${query}`)).status).toBe(
        200,
      );
      expect((await answerFits('GET', '/rest/ua/v15/exports/{id}', `/rest/ua/v15/exports/${created.body.id}`)).status).toBe(200);
      // Not followed: the answer of the gateway itself (a 303 to the zip, or a 409 while it is being built).
      const download = await fetch(`${platform.gatewayUrl}/rest/ua/v15/exports/${created.body.id}?redirect=true`, {
        headers: { authorization: `Bearer ${app.apiKey}` },
        redirect: 'manual',
      });
      expect([303, 409]).toContain(download.status);
      const downloadResponses = (document.paths as Json)['/rest/ua/v15/exports/{id}'].get.responses as Json;
      expect(Object.keys(downloadResponses)).toContain(String(download.status));
      if (download.status === 303) expect(download.headers.get('location')).toMatch(/^https?:\/\//);
      else expect(mismatches(document, { $ref: '#/components/schemas/ApiErrorBody' }, await download.json())).toEqual([]);
      expect((await answerFits('DELETE', '/rest/ua/v15/exports/{id}', `/rest/ua/v15/exports/${created.body.id}`)).status).toBe(
        204,
      );
      expect((await answerFits('POST', '/rest/ua/v15/exports', '/rest/ua/v15/exports?from=nope')).status).toBe(400);

      const schedule = await answerFits('POST', '/rest/ua/v15/exports/schedules', '/rest/ua/v15/exports/schedules', {
        body: { frequency: 'WEEKLY', dayOfWeek: 'TUESDAY', tables: ['events'], notificationsEmails: ['ops@example.com'] },
      });
      expect(schedule.status).toBe(201);
      const schedulePath = `/rest/ua/v15/exports/schedules/${schedule.body.id}`;
      expect((await answerFits('GET', '/rest/ua/v15/exports/schedules', '/rest/ua/v15/exports/schedules')).status).toBe(200);
      expect((await answerFits('GET', '/rest/ua/v15/exports/schedules/{id}', schedulePath)).status).toBe(200);
      const put = await answerFits('PUT', '/rest/ua/v15/exports/schedules/{id}', schedulePath, { body: { frequency: 'DAILY' } });
      expect(put.status).toBe(200);
      expect((await answerFits('GET', '/rest/ua/v15/exports/schedules/{id}/exports', `${schedulePath}/exports`)).status).toBe(
        200,
      );
      expect((await answerFits('DELETE', '/rest/ua/v15/exports/schedules/{id}', schedulePath)).status).toBe(204);
    });
  });
});
