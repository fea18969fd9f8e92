import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { Transform, TransformCallback } from 'node:stream';
import { errorBody } from '../errors/http-error.filter';
import { SEGMENT_LIMITS } from './segment-call.mapper';

/** The Segment-compatible routes (query string and a trailing slash aside). */
const SEGMENT_PATH = /^\/v1\/(batch|track|identify|group|page|screen|alias)\/?(?:\?|$)/;

/** The most bytes a POST to `url` may send, or undefined when the URL is not a Segment route. */
export function segmentBodyLimit(url: string): number | undefined {
  const route = SEGMENT_PATH.exec(url)?.[1];
  if (!route) return undefined;
  return route === 'batch' ? SEGMENT_LIMITS.batchBytes : SEGMENT_LIMITS.callBytes;
}

function tooLarge(url: string, limit: number, size?: number): BadRequestException {
  const route = SEGMENT_PATH.exec(url)?.[1] ?? '';
  const got = size === undefined ? `more than ${limit}` : String(size);
  return new BadRequestException(
    errorBody(
      400,
      'payload_too_large',
      `the request body is ${got} bytes; /v1/${route} accepts at most ${limit} bytes (Segment's ${route === 'batch' ? '500 KB per batch' : '32 KB per call'} limit)`,
      { limit },
    ),
  );
}

/** Passes the body through, failing as soon as more than `limit` bytes arrived (chunked bodies too). */
class LimitedBody extends Transform {
  private received = 0;
  constructor(
    private readonly limit: number,
    private readonly url: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.limit) done(tooLarge(this.url, this.limit));
    else done(null, chunk);
  }
}

/**
 * Segment's request size limits on its routes, before any JSON is read: 500 KB for /v1/batch, 32 KB for the
 * single calls (Segment answers 400 when they are exceeded, and its libraries do not retry a 400: so does
 * this). A declared Content-Length over the limit is refused at once; a body without one is counted as it
 * arrives. The other routes keep the gateway's JSON body parser limits (see tracking-body.ts).
 *
 * A root `preParsing` hook: Fastify binds root hooks to every route when it becomes ready, so this may be
 * installed any time before (SegmentModule does it in onModuleInit).
 */
export function installSegmentBodyLimits(fastify: FastifyInstance): void {
  fastify.addHook(
    'preParsing',
    (
      request: FastifyRequest,
      _reply: FastifyReply,
      payload: RequestPayload,
      done: (error: Error | null, body?: RequestPayload) => void,
    ) => {
      const limit = request.method === 'POST' ? segmentBodyLimit(request.url) : undefined;
      if (limit === undefined) {
        done(null, payload);
        return;
      }
      const declared = Number(request.headers['content-length']);
      if (declared > limit) {
        done(tooLarge(request.url, limit, declared));
        return;
      }
      // pipe, not pipeline: a refused body must not destroy the request (and its socket) before the answer.
      done(null, payload.pipe(new LimitedBody(limit, request.url)));
    },
  );
}
