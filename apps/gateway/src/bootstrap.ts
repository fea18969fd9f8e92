import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { initMetrics } from '@exportd/observability';
import { Logger } from 'nestjs-pino';
import { GatewayModule } from './app.module';
import { installConsole } from './console/console-static';
import { installOpenApi } from './openapi/openapi';
import { GatewayEnv } from './config/env';
import { HttpErrorFilter } from './errors/http-error.filter';
import { createValidationPipe } from './errors/validation';
import { genRequestId, installHttpObservability } from './observability/http-observability';
import { installPublicCors } from './tracking/public-cors';
import { installJsonBodyParser } from './tracking/tracking-body';
import { installUnsupportedSdkRoutes } from './tracking/unsupported-sdk-routes';
import { trackingConfig } from './tracking/tracking.config';

/** Builds the HTTP gateway (Fastify): validation, error mapping, logs, metrics and routes. */
export async function createGateway(env: GatewayEnv): Promise<NestFastifyApplication> {
  initMetrics('gateway');
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(env),
    // ignoreTrailingSlash: the Bulk Data Export API documents its URLs with a trailing slash. maxParamLength: a
    // user id of up to 256 characters in the path (privacy requests), each percent-encoded in up to 12 bytes; past
    // Fastify's 100 the route did not match and such a user could be neither exported nor erased (404).
    new FastifyAdapter({
      bodyLimit: 1024 * 1024,
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 * 12 },
      genReqId: genRequestId,
    }),
    // The JSON parser is ours (per-route limits, clear 400/413/415 bodies): see installJsonBodyParser.
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  installHttpObservability(fastify, env.METRICS_TOKEN);
  installJsonBodyParser(fastify, trackingConfig());
  // Browsers call the tracking routes (and the Segment-compatible ones) directly: CORS on those only.
  installPublicCors(fastify);
  installUnsupportedSdkRoutes(fastify);
  app.useGlobalPipes(createValidationPipe());
  // Also Fastify's own failures before a route runs (bad JSON, 413, 415): Nest installs its error handler at
  // init and passes them to the global filters, so they get the same error body as everything else.
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  installOpenApi(app);
  await installConsole(app);
  return app;
}
