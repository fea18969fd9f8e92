import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The Bulk Data Export API documents its URLs with a trailing slash (`/api/v1/analytics/exports/`,
 * `/api/v1/analytics/exports/jobs/`); Nest registers routes without it. These aliases answer the slashed
 * form by replaying the request on the route itself, so guards, validation and bodies are the same.
 * (Once the gateway's Fastify adapter sets `ignoreTrailingSlash`, this can go.)
 */
export const TRAILING_SLASH_ALIASES: { method: 'GET' | 'POST'; url: string }[] = [
  { method: 'POST', url: '/api/v1/analytics/exports/' },
  { method: 'GET', url: '/api/v1/analytics/exports/jobs/' },
];

@Injectable()
export class TrailingSlashRoutes implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.route !== 'function') return;
    for (const alias of TRAILING_SLASH_ALIASES) {
      fastify.route({
        method: alias.method,
        url: alias.url,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
          const replayed = await fastify.inject({
            method: alias.method,
            url: `${alias.url.slice(0, -1)}${query}`,
            headers: request.headers as Record<string, string>,
            ...(alias.method === 'POST' ? { payload: JSON.stringify(request.body ?? {}) } : {}),
          });
          void reply
            .status(replayed.statusCode)
            .header('content-type', replayed.headers['content-type'] ?? 'application/json')
            .send(replayed.body);
          return reply;
        },
      });
    }
  }
}
