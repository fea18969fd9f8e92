import { HttpException, HttpStatus } from '@nestjs/common';
import { errorBody } from '../errors/http-error.filter';

/**
 * 429 with the platform's error body (code `rate_limited`); the `Retry-After` header (whole seconds, at least
 * 1) is set from `retryAfterSeconds` by RetryAfterInterceptor, or by the guard that throws it.
 */
export class RateLimitedException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(
      errorBody(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', `${message}; retry after ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      }),
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
