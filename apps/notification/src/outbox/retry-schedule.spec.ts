import { DEFAULT_RETRY_SCHEDULE_MS, nextAttemptAt, parseRetryAfter, parseRetrySchedule } from './retry-schedule';

describe('retry schedule', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const noJitter = () => 1;

  it('parses comma-separated delays with units', () => {
    expect(parseRetrySchedule('5s,5m,30m,2h')).toEqual([5_000, 300_000, 1_800_000, 7_200_000]);
    expect(parseRetrySchedule(' 250ms , 1.5s,1d ')).toEqual([250, 1_500, 86_400_000]);
  });

  it.each(['', '5', '5x', '5s,,5m', 'soon', '8d'])('refuses %j', (raw) => {
    expect(() => parseRetrySchedule(raw)).toThrow();
  });

  it('defaults to the Standard Webhooks example schedule (eight attempts)', () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toEqual(parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h'));
  });

  it('schedules the retry after each failed attempt, then ends', () => {
    const schedule = parseRetrySchedule('1s,1m');
    expect(nextAttemptAt(schedule, 1, now, undefined, noJitter)).toEqual(new Date(now.getTime() + 1_000));
    expect(nextAttemptAt(schedule, 2, now, undefined, noJitter)).toEqual(new Date(now.getTime() + 60_000));
    expect(nextAttemptAt(schedule, 3, now, undefined, noJitter)).toBeNull();
  });

  it('applies jitter and never waits less than Retry-After', () => {
    const schedule = [10_000];
    expect(nextAttemptAt(schedule, 1, now, undefined, () => 0.9)).toEqual(new Date(now.getTime() + 9_000));
    expect(nextAttemptAt(schedule, 1, now, 30_000, noJitter)).toEqual(new Date(now.getTime() + 30_000));
    expect(nextAttemptAt(schedule, 1, now, 1_000, noJitter)).toEqual(new Date(now.getTime() + 10_000));
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
