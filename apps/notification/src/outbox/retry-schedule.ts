/**
 * When deliveries are tried again. The first attempt is immediate; the schedule lists the delay before each
 * retry. The default is the Standard Webhooks example schedule: immediately, then 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h and 10 h (eight attempts over about 27 hours of waits, spread across up to three days once
 * Retry-After answers lengthen them). After the last retry fails the delivery is `failed` for good.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `DELIVERY_RETRY_SCHEDULE`: comma-separated delays such as `5s,5m,30m,2h` (units ms, s, m, h, d). */
export function parseRetrySchedule(raw: string): number[] {
  const items = raw.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === ''))
    throw new Error('must be a comma-separated list of delays such as 5s,5m,30m,2h');
  return items.map((item) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(item);
    if (!match) throw new Error(`"${item}" is not a delay (a number with a unit: ms, s, m, h or d)`);
    const ms = Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
    if (ms > 7 * 86_400_000) throw new Error(`"${item}" is longer than 7 days`);
    return ms;
  });
}

/** Jitter: a random factor in [0.9, 1.1) so retries of many deliveries do not arrive in lockstep. */
export type Jitter = () => number;
export const defaultJitter: Jitter = () => 0.9 + Math.random() * 0.2;

/**
 * The next attempt after `attemptsMade` attempts failed, or null when the schedule has ended. A `Retry-After`
 * the receiver sent is honoured: the delay is never shorter than it (capped at one day).
 */
export function nextAttemptAt(
  schedule: readonly number[],
  attemptsMade: number,
  now: Date,
  retryAfterMs?: number,
  jitter: Jitter = defaultJitter,
): Date | null {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return null;
  let delay = Math.round(base * jitter());
  if (retryAfterMs !== undefined && retryAfterMs > 0) delay = Math.max(delay, Math.min(retryAfterMs, 86_400_000));
  return new Date(now.getTime() + delay);
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
