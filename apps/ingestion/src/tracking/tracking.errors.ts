import { DomainError } from '@exportd/grpc';

/** A call that the gateway should have refused: the whole batch is refused, nothing is written. */
export class InvalidTrackingCall extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_tracking_call', message, details);
  }
}
