import { DomainError } from '@exportd/grpc';

export class InvalidExclusions extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_exclusions', message);
  }
}
