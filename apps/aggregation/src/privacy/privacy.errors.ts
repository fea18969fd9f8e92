import { DomainError } from '@exportd/grpc';

export class InvalidPrivacyRequest extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_privacy_request', message);
  }
}
