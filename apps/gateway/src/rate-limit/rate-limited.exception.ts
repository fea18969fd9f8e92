import { HttpException, HttpStatus } from '@nestjs/common';
import { errorBody } from '../errors/http-error.filter';

/**
 * 429 with the platform's error body (code `rate_limited`); HttpErrorFilter sets the `Retry-After` header (whole
 * seconds, at least 1) from `retryAfterSeconds`.
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
