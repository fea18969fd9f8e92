import { DomainError } from '@exportd/grpc';

export class DimensionNotFound extends DomainError {
  constructor(apiName: string) {
    super('not_found', 'dimension_not_found', `dimension ${apiName} not found`, { dimension: apiName });
  }
}
