import { DomainError } from '@exportd/grpc';

/** A call that the gateway should have refused: the whole batch is refused, nothing is written. */
export class InvalidTrackingCall extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_tracking_call', message, details);
  }
}

/** The app's calls could not be stored in time (backlog full, or too near the caller's deadline): nothing is stored. */
export class IngestionBusy extends DomainError {
  constructor(appId: string, why = `ingestion is still applying earlier calls of app ${appId}`) {
    super('unavailable', 'ingestion_busy', `${why}; nothing was stored, retry later`);
  }
}

/** The database failed while storing and what was written of the batch has been removed again. */
export class StoreFailed extends DomainError {
  constructor() {
    super('unavailable', 'store_failed', 'storing the calls failed; nothing was stored, retry later');
  }
}

/** A write failed and removing what it may have stored failed too: some calls may be stored. */
export class StoreOutcomeUnknown extends DomainError {
  constructor() {
    super(
      'outcome_unknown',
      'outcome_unknown',
      'storing the calls failed part way and some of them may be stored; retry only calls that carry a messageId',
    );
  }
}
