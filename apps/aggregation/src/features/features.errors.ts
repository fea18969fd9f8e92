import { DomainError } from '@exportd/grpc';

export class FeatureNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'feature_not_found', `feature ${id} not found`);
  }
}

export class InvalidFeature extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_feature', message, details);
  }
}
