import type { SetHeadersResponse } from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from '@exportd/runtime';
import { errorBody } from '../errors/http-error.filter';

/** The console's static build (`npm run build:console`): apps/console/dist. */
export const CONSOLE_DIST = join(PROJECT_ROOT, 'apps', 'console', 'dist');

/**
 * The page itself talks only to this origin: scripts, styles and calls from 'self'; file links are plain
 * navigations to presigned URLs, and the CSV download is a blob: URL.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the web console's static build at /console (and /console/, its index.html) with @fastify/static.
 * The build is looked for once, at start-up: without it /console answers 503 `console_not_built` saying how
 * to build it, and the rest of the gateway runs as usual.
 */
export async function installConsole(app: NestFastifyApplication, dist: string = CONSOLE_DIST): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  if (!existsSync(join(dist, 'index.html'))) {
    const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .status(503)
        .header('cache-control', 'no-store')
        .send(
          errorBody(
            503,
            'console_not_built',
            `the web console is not built (no ${join(dist, 'index.html')}): run \`npm run build:console\`, then restart the gateway`,
          ),
        );
    fastify.get('/console', notBuilt);
    fastify.get('/console/*', notBuilt);
    return;
  }
  app.useStaticAssets({
    root: dist,
    prefix: '/console/',
    index: false,
    redirect: false,
    wildcard: true,
    cacheControl: false,
    setHeaders: (response: SetHeadersResponse, path: string) => {
      if (basename(path) === 'index.html') {
        response.setHeader('cache-control', 'no-cache');
        response.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
        response.setHeader('referrer-policy', 'no-referrer');
        response.setHeader('x-content-type-options', 'nosniff');
      } else if (path.startsWith(join(dist, 'assets'))) {
        // Vite names each asset by its content hash.
        response.setHeader('cache-control', 'public, max-age=31536000, immutable');
      }
    },
  });
  // The router ignores trailing slashes: this one route answers /console and /console/.
  fastify.get('/console', async (_request, reply) => reply.sendFile('index.html', dist));
}
