import { DomainError } from '@exportd/grpc';

/** A call that the gateway should have refused: the whole batch is refused, nothing is written. */
export class InvalidTrackingCall extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_tracking_call', message, details);
  }
}

/** The app's calls wait too long for the projector to catch up: refused before anything is written. */
export class IngestionBusy extends DomainError {
  constructor(appId: string) {
    super(
      'unavailable',
      'ingestion_busy',
      `ingestion is still applying earlier calls of app ${appId}; nothing was stored, retry later`,
    );
  }
}
