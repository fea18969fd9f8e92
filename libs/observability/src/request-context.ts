import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The HTTP header and gRPC metadata key a request's id travels in. */
export const REQUEST_ID_HEADER = 'x-request-id';

const requestIds = new AsyncLocalStorage<string>();

/** The id of the request the current code runs for (HTTP request, gRPC call or export job), if any. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}

/** Runs `work` (and everything it starts) as part of request `requestId`: its log lines and outgoing gRPC calls carry it. */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return requestIds.run(requestId, work);
}

/**
 * The caller's id when it is a plain token (it ends up in logs, headers and stored jobs), else a new one: a
 * client can tie its own id to our logs, but cannot inject text into them.
 */
export function requestIdFrom(given: unknown): string {
  return typeof given === 'string' && /^[A-Za-z0-9._:@/-]{1,128}$/.test(given) ? given : randomUUID();
}
