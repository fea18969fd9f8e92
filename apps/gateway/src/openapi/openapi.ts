import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ERROR_BODY_MODELS, SECURITY_SCHEMES } from './api-docs';
import { toOpenApi31 } from './openapi-31';
import { addUnsupportedSdkPaths } from './unsupported-sdk-paths';

/** Where the document and Swagger UI are served. */
export const OPENAPI_JSON_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const DESCRIPTION = [
  'The public HTTP API of the product-analytics data export platform: tracking (the Tracking API with the',
  "app's tracking key in the path, and Segment's HTTP Tracking API), the export APIs (Bulk Data Export API,",
  'on-demand exports, Coveo-compatible exports and schedules, the company data export), their settings, and the',
  'admin API.',
  '',
  'Errors answer `{"error": {"status", "code", "message", "details"}}` (the Bulk Data Export API and the plan',
  'refusal every export API shares keep their own `{"errors": [...]}` body). Over a rate limit: 429',
  '`rate_limited` with `Retry-After` (seconds).',
].join('\n');

/** The OpenAPI 3.1 document of the gateway, generated from its controllers and DTOs. */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('exportd API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addSecurity(SECURITY_SCHEMES.bearer, {
      type: 'http',
      scheme: 'bearer',
      description: "An app's API key: `Authorization: Bearer <key>`.",
    })
    .addSecurity(SECURITY_SCHEMES.token, {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description: "An app's API key in the Bulk Data Export API's form: `Authorization: Token <key>` (the whole header value).",
    })
    .addSecurity(SECURITY_SCHEMES.basic, {
      type: 'http',
      scheme: 'basic',
      description:
        "The Segment write key (the app's tracking key) as the HTTP Basic user name, no password: `Authorization: Basic base64(<key>:)`. The body's `writeKey` is accepted instead.",
    })
    .addSecurity(SECURITY_SCHEMES.admin, {
      type: 'http',
      scheme: 'bearer',
      description: "The operator's token: `Authorization: Bearer <ADMIN_TOKEN>`.",
    })
    .addTag('Tracking', "The Tracking API: the app's public tracking key in the path, JSON only; CORS open to any origin.")
    .addTag('Segment-compatible tracking', "Segment's HTTP Tracking API: the tracking key is the write key.")
    .addTag('Bulk Data Export API', 'Export jobs of events by day range, and the lookups (`Authorization: Token <key>`).')
    .addTag('On-demand exports', 'Export jobs of any data type, queued per app (`Authorization: Bearer <key>`).')
    .addTag('Company data export', 'The company data model as a CSV download, and its automatic daily or weekly export.')
    .addTag('Coveo-compatible API', "Coveo's Usage Analytics Read API v15: dimensions, reporting filters, exports and schedules.")
    .addTag('Features', 'Features by event rule or company attribute (`settings:write` to change, `exports:read` to read).')
    .addTag('Segments', 'Company segments defined by a filter.')
    .addTag('Named filters', 'Reusable filters, `$NAME` in export, segment and other named filters.')
    .addTag('Exclusions', 'Users and companies left out of exports that ask for it.')
    .addTag('Destinations', "The customer's own S3-compatible storage.")
    .addTag('Export schedules', 'Daily or weekly exports delivered by webhook, email or to a destination.')
    .addTag('Webhooks', 'Endpoints notified of export events, signed per Standard Webhooks.')
    .addTag('Delivery log', 'What each webhook delivery and email answered.')
    .addTag('Privacy', "A user's data export and erasure, and the audit log.")
    .addTag('Retention', "How long the app's raw calls, aggregates and export files are kept.")
    .addTag('Admin', "The operator's API: apps and their API keys.")
    .addTag('Health', "The gateway's view of the four services.")
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: ERROR_BODY_MODELS,
    operationIdFactory: (controllerKey: string, methodKey: string) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  addUnsupportedSdkPaths(document);
  return toOpenApi31(document);
}

/**
 * Serves the OpenAPI document at /openapi.json and Swagger UI at /docs (call before the app is initialised).
 * The document is built on its first request, once, from the controllers' decorators.
 */
export function installOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup(DOCS_PATH.slice(1), app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'exportd API',
    swaggerOptions: { persistAuthorization: false, tagsSorter: 'alpha', operationsSorter: 'alpha' },
  });
}
