import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The routes browsers call directly (public tracking keys, no credentials): they answer CORS preflights and
 * their answers, errors included, carry `Access-Control-Allow-Origin: *`. Patterns in the router's syntax
 * (`:param` one segment, `*` the rest). Every other route (the key-authenticated APIs, admin, console) sends no
 * CORS headers, so a browser page of another origin cannot call them.
 */
export const PUBLIC_CORS_ROUTES: readonly string[] = [
  // The Tracking API (seed 001, bulk, page views).
  '/:trackingKey/user',
  '/:trackingKey/company',
  '/:trackingKey/event',
  '/:trackingKey/events',
  '/:trackingKey/feedback',
  '/:trackingKey/bulk',
  '/:trackingKey/page',
  // What Bucket's browser SDK calls besides (feedback prompting, feature flags): answered 404 not_supported
  // (see unsupported-sdk-routes.ts), readable by the SDK rather than a CORS failure.
  '/:trackingKey/feedback/*',
  '/:trackingKey/features/*',
  '/:trackingKey/flags/*',
  // The Segment-compatible API.
  '/v1/batch',
  '/v1/track',
  '/v1/identify',
  '/v1/group',
  '/v1/page',
  '/v1/screen',
  '/v1/alias',
];

/** Asked for when a preflight names no headers: what the Bucket and Segment SDKs send. */
const DEFAULT_ALLOWED_HEADERS = 'content-type, bucket-sdk-version, authorization';
/** A list of header names (tokens): anything else in Access-Control-Request-Headers is not reflected. */
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9a-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9a-z-]+)*$/i;
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

/** One expression for the patterns, matched against the path of a request (query and trailing slash aside). */
export function publicCorsMatcher(patterns: readonly string[] = PUBLIC_CORS_ROUTES): (url: string) => boolean {
  const alternatives = patterns.map((pattern) =>
    pattern
      .replace(/\/+$/, '')
      .split('/')
      .map((segment) => {
        if (segment === '*') return '.*';
        if (segment.startsWith(':')) return '[^/]+';
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/'),
  );
  const expression = new RegExp(`^(?:${alternatives.join('|')})/?$`);
  return (url) => {
    const query = url.indexOf('?');
    return expression.test(query < 0 ? url : url.slice(0, query));
  };
}

/**
 * Registers the CORS handling of `patterns` (call before the app is initialised): an `OPTIONS` route per
 * pattern answering the preflight with 204 (any origin, GET and POST, the headers the preflight asks for),
 * and an onSend hook adding `Access-Control-Allow-Origin: *` and exposing `Retry-After` on every answer of
 * those paths, errors included, so browser SDKs can read 400, 401, 404 and 429 bodies.
 */
export function installPublicCors(fastify: FastifyInstance, patterns: readonly string[] = PUBLIC_CORS_ROUTES): void {
  const isPublic = publicCorsMatcher(patterns);
  const preflight = (request: FastifyRequest, reply: FastifyReply): void => {
    const asked = request.headers['access-control-request-headers'];
    const headers = typeof asked === 'string' && HEADER_LIST.test(asked.trim()) ? asked.trim() : DEFAULT_ALLOWED_HEADERS;
    void reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header('access-control-allow-headers', headers)
      .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS))
      .header('vary', 'Access-Control-Request-Headers')
      .send();
  };
  for (const url of patterns) fastify.route({ method: 'OPTIONS', url, handler: preflight });
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'OPTIONS' && isPublic(request.url)) {
      void reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'Retry-After');
    }
    return payload;
  });
}
