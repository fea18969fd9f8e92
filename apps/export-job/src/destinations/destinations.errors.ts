import { DomainError } from '@exportd/grpc';

/** Why a destination cannot be used: the public `details.reason` of `destination_invalid`. */
export const DESTINATION_CHECK_REASONS = [
  'invalid_url',
  'invalid_access_key',
  'signature_mismatch',
  'no_such_bucket',
  'access_denied',
  'unreachable',
  'forbidden_address',
] as const;
export type DestinationCheckReason = (typeof DESTINATION_CHECK_REASONS)[number];

/** A destination that failed its check (or is in no usable form): 400, and nothing is saved. */
export class DestinationInvalid extends DomainError {
  constructor(
    readonly reason: DestinationCheckReason,
    message: string,
  ) {
    super('invalid', 'destination_invalid', message, { reason });
  }
}

/** A request missing a field the provider needs, or giving one it does not take; the message names the field. */
export class InvalidDestinationInput extends DomainError {
  constructor(field: string, message: string) {
    super('invalid', 'invalid_request', message, { field });
  }
}

export class DestinationNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'destination_not_found', `destination ${id} not found`);
  }
}

export class DestinationInUse extends DomainError {
  constructor(id: string, scheduleIds: string[]) {
    super(
      'precondition',
      'destination_in_use',
      `destination ${id} is used by export schedules ${scheduleIds.join(', ')}: remove it from them first`,
      { scheduleIds },
    );
  }
}

/** The stored secret does not open with this deployment's ENCRYPTION_KEY (the key was changed). */
export class DestinationSecretUnreadable extends DomainError {
  constructor(what: string) {
    super(
      'precondition',
      'destination_secret_unreadable',
      `the secret access key of ${what} cannot be decrypted with the current ENCRYPTION_KEY: give the secret access key again`,
    );
  }
}

/**
 * An upload into a destination failed. `reason` classifies it as the check does; `storageMessage` is what the
 * storage itself answered (shown by the export's status), never holding the secret.
 */
export class DestinationWriteFailed extends DomainError {
  constructor(
    readonly reason: DestinationCheckReason,
    message: string,
    readonly storageMessage: string,
  ) {
    super('unavailable', 'destination_write_failed', message, { reason, storageMessage });
  }
}
