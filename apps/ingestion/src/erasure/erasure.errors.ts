import { DomainError } from '@exportd/grpc';

export class InvalidErasureRequest extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_erasure_request', message);
  }
}

/** A retried request id that came with another user than its first attempt. */
export class ErasureRequestMismatch extends DomainError {
  constructor(requestId: string) {
    super('precondition', 'erasure_request_mismatch', `erasure request ${requestId} was made for another user`);
  }
}
