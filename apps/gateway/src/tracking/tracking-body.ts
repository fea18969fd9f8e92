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

/** A value met while walking a body, and how it was reached (its path is spelled only for the answer). */
interface Visit {
  node: unknown;
  parent?: Visit;
  step: string;
}

const pathOf = (visit: Visit): string => {
  const steps: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) steps.push(at.step);
  return steps.reverse().join('').replace(/^\./, '');
};

/**
 * Where a string or key of `value` holds a NUL (`field`, `items[2].name`, '' for the value itself), or undefined.
 * The settings and admin APIs store their strings, and the store refuses NUL in them (a 500, not a 400). A loop,
 * not recursion: a 1 MB body can nest deeper than the stack.
 */
function nulPath(value: unknown): string | undefined {
  const pending: Visit[] = [{ node: value, step: '' }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const { node } = visit;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return pathOf(visit);
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) pending.push({ node: node[i], parent: visit, step: `[${i}]` });
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node).reverse()) {
        const entry = { node: child, parent: visit, step: `.${key}` };
        if (key.includes('\u0000')) return pathOf(entry);
        pending.push(entry);
      }
    }
  }
  return undefined;
}

/**
 * Installs the gateway's JSON body parser (call before the app is initialised, with Nest's own body parser
 * turned off). Tracking calls get their own limits (413 naming the limit), keep attribute keys such as
 * `__proto__` intact (JSON.parse makes them plain own keys; the tracking path never merges objects), and every
 * other route keeps Fastify's prototype-poisoning protection and the 1 MB limit, and refuses a NUL in a string.
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
        } else {
          const nul = method ? undefined : nulPath(parsed);
          if (nul !== undefined) done(httpError(400, `the request body has a NUL character (\\u0000) in ${nul || 'the body'}`));
          else done(null, parsed);
        }
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
