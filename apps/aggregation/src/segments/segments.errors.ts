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
