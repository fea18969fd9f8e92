import { DomainError } from '@exportd/grpc';

export class InvalidRetentionPolicy extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_retention_policy', message, details);
  }
}
