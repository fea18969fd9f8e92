import { DomainError } from '@exportd/grpc';
import { HISTORY_OPTIONS } from './company-usage.metrics';

export class InvalidHistory extends DomainError {
  constructor(history: string) {
    super('invalid', 'invalid_history', `history must be one of ${HISTORY_OPTIONS.join(', ')} (got ${JSON.stringify(history)})`, {
      field: 'history',
      allowed: HISTORY_OPTIONS,
    });
  }
}
