import { DomainError } from '@exportd/grpc';

export class DataTypeNotAvailable extends DomainError {
  constructor(dataType: string) {
    super('invalid', 'data_type_not_available', `the data type ${dataType} is not available`);
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

export class UnknownDimensions extends DomainError {
  constructor(table: string, names: readonly string[]) {
    super('invalid', 'unknown_dimensions', `unknown dimensions for ${table}: ${names.join(', ')}`, { dimensions: [...names] });
  }
}

export class DuplicateColumns extends DomainError {
  constructor(names: readonly string[]) {
    super('invalid', 'duplicate_columns', `columns named twice: ${names.join(', ')}`);
  }
}
