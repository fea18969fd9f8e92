import { DomainError } from '@exportd/grpc';

export class DatasetNotAvailable extends DomainError {
  constructor(dataset: string) {
    super('invalid', 'dataset_not_available', `the dataset ${dataset} is not available`);
  }
}

export class InvalidRowFilter extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_row_filter', message);
  }
}

export class LookupNotAvailable extends DomainError {
  constructor(lookup: string) {
    super('invalid', 'lookup_not_available', `the lookup ${lookup} is not available`);
  }
}
