import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { fromGrpcError } from '@exportd/grpc';
import type { FastifyReply } from 'fastify';

/** The default public error body; some public APIs format their own (see their controllers). */
export interface ErrorBody {
  error: { status: number; code: string; message: string; details?: unknown };
}

/**
 * Every error an HTTP client receives passes here: HTTP exceptions keep their status and body, gRPC errors
 * are mapped by the shared map, anything else is a 500 without internals. An exception with
 * `retryAfterSeconds` (RateLimitedException) also sets `Retry-After`: here rather than in an interceptor, which
 * would wrap every request's handler (and guards run outside interceptors anyway).
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toHttpError(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    const retryAfter = (exception as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    void reply.status(status).send(body);
  }
}

export function toHttpError(exception: unknown): { status: number; body: unknown } {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    const status = exception.getStatus();
    if (
      typeof response === 'object' &&
      response !== null &&
      ('error' in response || 'errors' in response) &&
      !('statusCode' in response)
    ) {
      return { status, body: response };
    }
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
    return {
      status,
      body: errorBody(status, codeForStatus(status), Array.isArray(message) ? message.join('; ') : String(message)),
    };
  }
  // Fastify's own errors (body too large, bad JSON, wrong content type) carry a statusCode.
  const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return { status: fastifyStatus, body: errorBody(fastifyStatus, codeForStatus(fastifyStatus), (exception as Error).message) };
  }
  const remote = fromGrpcError(exception);
  return { status: remote.httpStatus, body: errorBody(remote.httpStatus, remote.code, remote.message, remote.details) };
}

export function errorBody(status: number, code: string, message: string, details?: unknown): ErrorBody {
  return { error: { status, code, message, ...(details === undefined ? {} : { details }) } };
}

function codeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthenticated',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    409: 'conflict',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    429: 'too_many_requests',
  };
  return codes[status] ?? (status >= 500 ? 'internal_error' : 'error');
}
