import { DomainError } from '@exportd/grpc';

export class PrivacyRequestNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'privacy_request_not_found', `privacy request ${id} not found`);
  }
}

export class InvalidPrivacyRequest extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_request', message);
  }
}
