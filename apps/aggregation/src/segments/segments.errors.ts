import { DomainError } from '@exportd/grpc';

export class SegmentNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'segment_not_found', `segment ${id} not found`);
  }
}

export class InvalidSegment extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_segment', message);
  }
}

/** The filter does not parse: names the problem and its 0-based character position. */
export class InvalidSegmentFilter extends DomainError {
  constructor(reason: string, position: number) {
    super('invalid', 'invalid_filter', `filter: ${reason} at position ${position}`, { field: 'filter', reason, position });
  }
}
