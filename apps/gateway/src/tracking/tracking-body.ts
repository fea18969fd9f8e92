import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TrackingConfig } from './tracking.config';

/**
 * The tracking paths: the Tracking API's `/{trackingKey}/{user|company|event|events|feedback|bulk|page}` and
 * the Segment-compatible `/v1/{batch|track|identify|group|page|screen|alias}` (whose own sizes are checked
 * by the Segment module's hook; a batch is given the bulk limit here).
 */
const TRACKING_PATH =
  /^\/(?:v1\/(?<segment>batch|track|identify|group|page|screen|alias)|[^/?]+\/(?<method>user|company|events?|feedback|bulk|page))\/?(?:\?|$)/;

/** Body limit of the other JSON routes (the gateway's former global limit). */
const OTHER_JSON_LIMIT = 1024 * 1024;

type Done = (error: Error | null, body?: unknown) => void;

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

/**
 * Installs the gateway's JSON body parser (call before the app is initialised, with Nest's own body parser
 * turned off). Tracking calls get their own limits (413 naming the limit), keep attribute keys such as
 * `__proto__` intact (JSON.parse makes them plain own keys; the tracking path never merges objects), and every
 * other route keeps Fastify's prototype-poisoning protection and the 1 MB limit.
 */
export function installJsonBodyParser(fastify: FastifyInstance, config: TrackingConfig): void {
  const secureParse = fastify.getDefaultJsonParser('error', 'error');
  const parseKeepingKeys = fastify.getDefaultJsonParser('ignore', 'ignore');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: Math.max(config.TRACKING_MAX_BULK_BYTES, config.TRACKING_MAX_CALL_BYTES, OTHER_JSON_LIMIT) },
    (request: FastifyRequest, body: Buffer | string, done: Done) => {
      const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      const match = TRACKING_PATH.exec(request.url)?.groups;
      const method = match?.segment === 'batch' ? 'bulk' : (match?.method ?? match?.segment);
      const limit = !method
        ? OTHER_JSON_LIMIT
        : method === 'bulk'
          ? config.TRACKING_MAX_BULK_BYTES
          : config.TRACKING_MAX_CALL_BYTES;
      if (bytes > limit) {
        done(httpError(413, `the request body is ${bytes} bytes; the limit of this endpoint is ${limit} bytes`));
        return;
      }
      if (bytes === 0) {
        done(httpError(400, 'the request body is empty; send a JSON document'));
        return;
      }
      const parse = method ? parseKeepingKeys : secureParse;
      void parse(request, typeof body === 'string' ? body : body.toString('utf8'), (error: Error | null, parsed?: unknown) => {
        if (error) {
          const statusCode = (error as { statusCode?: number }).statusCode ?? 400;
          done(httpError(statusCode, `the request body is not valid JSON: ${error.message}`));
        } else done(null, parsed);
      });
    },
  );
  // Anything but JSON: a clear 415 instead of a generic one.
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload: unknown, done: Done) => {
    const type = request.headers['content-type'] ?? 'none';
    done(httpError(415, `Content-Type must be application/json, got ${type}`));
  });
  if (fastify.hasContentTypeParser('text/plain')) fastify.removeContentTypeParser('text/plain');
}
