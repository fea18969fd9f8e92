import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../errors/http-error.filter';

/**
 * Routes Bucket's tracking SDK (2.4.0) calls that are not this platform's, each answered 404 with the error
 * body code `not_supported`, for any method (OPTIONS is the CORS preflight, see public-cors.ts; HEAD follows
 * GET): feedback prompting (`POST /{key}/feedback/prompting-init`, `GET /{key}/feedback/prompting-auth`,
 * `POST /{key}/feedback/prompt-events`) and feature flags (`GET /{key}/features/enabled`, and `/flags/...`
 * of later SDKs). The SDK treats these answers as "not enabled": no prompts, its fallback flags.
 */
export const UNSUPPORTED_SDK_ROUTES: readonly { url: string; message: string }[] = [
  {
    url: '/:trackingKey/feedback/*',
    message: 'feedback prompting is not part of this platform (feedback itself is: POST /{trackingKey}/feedback)',
  },
  { url: '/:trackingKey/features/*', message: 'feature flags are not part of this platform' },
  { url: '/:trackingKey/flags/*', message: 'feature flags are not part of this platform' },
];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Registers the routes of UNSUPPORTED_SDK_ROUTES (call before the app is initialised). */
export function installUnsupportedSdkRoutes(fastify: FastifyInstance): void {
  for (const { url, message } of UNSUPPORTED_SDK_ROUTES) {
    const body = errorBody(404, 'not_supported', message);
    fastify.route({
      method: [...METHODS],
      url,
      handler: (_request: FastifyRequest, reply: FastifyReply) => reply.code(404).send(body),
    });
  }
}
