import { Logger } from '@nestjs/common';
import { metrics, metricsText, REQUEST_ID_HEADER, requestIdFrom, withRequestId } from '@exportd/observability';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Counter, Histogram } from 'prom-client';
import { errorBody } from '../errors/http-error.filter';

const requests = new Counter({
  name: 'exportd_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metrics],
});
const durations = new Histogram({
  name: 'exportd_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});
/** Ingestion counts the calls it stores, deduplicates and suppresses; calls refused at the edge are counted here. */
const refusedTrackingRequests = new Counter({
  name: 'exportd_tracking_calls_total',
  help: 'Tracking requests refused by the gateway (bad body, unknown key, rate limit, ...), by status',
  labelNames: ['outcome', 'status'] as const,
  registers: [metrics],
});

/** The request id of a request (`x-request-id` when the caller sent a usable one): Fastify's `request.id`. */
export function genRequestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  return requestIdFrom(request.headers[REQUEST_ID_HEADER]);
}

/** Routes whose requests are not written to the access log (polled by health checks and scrapers). */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per request: the id in the answer's `x-request-id`, the route handler run as part of the request (its log
 * lines and gRPC calls carry the id), one access log line and the request metrics, labelled by route pattern
 * (`/:trackingKey/event`), never by the URL: keys and ids in paths stay out of logs and series. Also serves
 * GET /metrics, behind `Authorization: Bearer <METRICS_TOKEN>` when that is set.
 */
export function installHttpObservability(fastify: FastifyInstance, metricsToken: string): void {
  const logger = new Logger('http');
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('preHandler', (request, _reply, done) => withRequestId(request.id, done));
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request);
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    const seconds = reply.elapsedTime / 1000;
    requests.inc(labels);
    durations.observe(labels, seconds);
    if (isTrackingRoute(route) && reply.statusCode >= 400) {
      refusedTrackingRequests.inc({ outcome: 'refused', status: labels.status });
    }
    if (!QUIET_ROUTES.has(route)) {
      withRequestId(request.id, () => logger.log({ msg: 'request', ...labels, durationMs: Math.round(seconds * 10) / 10 }));
    }
    done();
  });

  const expected = Buffer.from(metricsToken);
  fastify.get('/metrics', async (request, reply) => {
    if (metricsToken) {
      const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply
          .status(401)
          .send(errorBody(401, 'unauthenticated', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>'));
      }
    }
    const { contentType, body } = await metricsText();
    return reply.type(contentType).send(body);
  });
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

function isTrackingRoute(route: string): boolean {
  return route.startsWith('/:trackingKey/') || route.startsWith('/v1/');
}
