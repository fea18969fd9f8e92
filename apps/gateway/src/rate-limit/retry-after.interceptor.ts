import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { catchError, Observable, throwError } from 'rxjs';
import { RateLimitedException } from './rate-limited.exception';

/** Puts `Retry-After` on the answer when a route handler throws RateLimitedException (the error filter sends the body). */
@Injectable()
export class RetryAfterInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof RateLimitedException && context.getType() === 'http') {
          setRetryAfter(context.switchToHttp().getResponse<FastifyReply>(), error);
        }
        return throwError(() => error);
      }),
    );
  }
}

export function setRetryAfter(reply: FastifyReply, error: RateLimitedException): void {
  void reply.header('retry-after', String(error.retryAfterSeconds));
}
