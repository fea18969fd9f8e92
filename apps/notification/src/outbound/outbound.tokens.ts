/** Injection tokens of the notification's configuration-made objects. */
export const OUTBOUND_POLICY = Symbol('OUTBOUND_POLICY');
export const RETRY_SCHEDULE = Symbol('RETRY_SCHEDULE');
export const OUTBOX_OPTIONS = Symbol('OUTBOX_OPTIONS');

export interface OutboxOptions {
  pollIntervalMs: number;
  concurrency: number;
}
