import { DomainError } from '@exportd/grpc';

export class InvalidExclusions extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_exclusions', message);
  }
}

export class ExclusionListBusy extends DomainError {
  constructor() {
    super('unavailable', 'exclusion_list_busy', 'the exclusion list is being written by many requests at once; try again');
  }
}
