import { duePeriods, latestEndedPeriod, MAX_CATCH_UP_PERIODS, nextRunAt, periodAfter } from './periods';

const at = (iso: string) => new Date(iso);

describe('schedule periods', () => {
  it('ends a daily period at the next 00:00 UTC and a weekly one on Monday 00:00 UTC', () => {
    // 2026-12-02 is a Wednesday.
    expect(latestEndedPeriod('daily', at('2026-12-02T15:00:00Z'))).toEqual({
      key: '2026-12-01',
      fromDay: '2026-12-01',
      toDay: '2026-12-01',
      start: at('2026-12-01T00:00:00Z'),
      end: at('2026-12-02T00:00:00Z'),
    });
    expect(latestEndedPeriod('weekly', at('2026-12-02T15:00:00Z'))).toEqual({
      key: '2026-11-23_2026-11-29',
      fromDay: '2026-11-23',
      toDay: '2026-11-29',
      start: at('2026-11-23T00:00:00Z'),
      end: at('2026-11-30T00:00:00Z'),
    });
    expect(latestEndedPeriod('weekly', at('2026-11-30T00:00:00Z')).key).toBe('2026-11-23_2026-11-29');
    expect(latestEndedPeriod('weekly', at('2026-11-29T23:59:59Z')).key).toBe('2026-11-16_2026-11-22');
  });

  it('runs next at the next 00:00 UTC, or the next Monday', () => {
    expect(nextRunAt('daily', at('2026-12-02T15:00:00Z'))).toEqual(at('2026-12-03T00:00:00Z'));
    expect(nextRunAt('daily', at('2026-12-02T00:00:00Z'))).toEqual(at('2026-12-03T00:00:00Z'));
    expect(nextRunAt('weekly', at('2026-12-02T15:00:00Z'))).toEqual(at('2026-12-07T00:00:00Z'));
  });

  it('has nothing due before the first period after enabling has ended', () => {
    expect(duePeriods('daily', at('2026-12-02T15:00:00Z'), at('2026-12-02T23:59:59Z'))).toEqual([]);
    expect(duePeriods('daily', at('2026-12-02T15:00:00Z'), at('2026-12-03T00:00:00Z')).map((p) => p.key)).toEqual(['2026-12-02']);
    expect(duePeriods('weekly', at('2026-12-02T15:00:00Z'), at('2026-12-06T23:00:00Z'))).toEqual([]);
    expect(duePeriods('weekly', at('2026-12-02T15:00:00Z'), at('2026-12-07T00:00:01Z')).map((p) => p.key)).toEqual([
      '2026-11-30_2026-12-06',
    ]);
  });

  it('catches up on the latest seven missed periods, oldest first', () => {
    const due = duePeriods('daily', at('2026-11-01T12:00:00Z'), at('2026-12-02T01:00:00Z'));
    expect(due).toHaveLength(MAX_CATCH_UP_PERIODS);
    expect(due.map((p) => p.key)).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
    ]);
    // Enabled at noon: the first run (the next day) exports that day.
    expect(duePeriods('daily', at('2026-11-28T12:00:00Z'), at('2026-12-02T01:00:00Z')).map((p) => p.key)).toEqual([
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
    ]);
  });

  it('ends a monthly period on the first of the month, and runs next on the first of the next one', () => {
    expect(latestEndedPeriod('monthly', at('2026-12-02T15:00:00Z'))).toMatchObject({
      key: '2026-11-01_2026-11-30',
      start: at('2026-11-01T00:00:00Z'),
      end: at('2026-12-01T00:00:00Z'),
    });
    expect(latestEndedPeriod('monthly', at('2026-03-01T00:00:00Z')).key).toBe('2026-02-01_2026-02-28');
    expect(nextRunAt('monthly', at('2026-12-02T15:00:00Z'))).toEqual(at('2027-01-01T00:00:00Z'));
    expect(duePeriods('monthly', at('2026-09-15T00:00:00Z'), at('2026-12-02T00:00:00Z')).map((p) => p.key)).toEqual([
      '2026-09-01_2026-09-30',
      '2026-10-01_2026-10-31',
      '2026-11-01_2026-11-30',
    ]);
  });

  it("cuts periods at midnight in the schedule's time zone, across a daylight saving change", () => {
    const paris = { timeZone: 'Europe/Paris', weekday: 0 };
    // 2026-10-25: Paris goes from UTC+2 to UTC+1.
    expect(latestEndedPeriod('daily', at('2026-10-25T23:30:00Z'), paris)).toMatchObject({
      key: '2026-10-25',
      start: at('2026-10-24T22:00:00Z'),
      end: at('2026-10-25T23:00:00Z'),
    });
    expect(latestEndedPeriod('daily', at('2026-10-25T22:30:00Z'), paris).key).toBe('2026-10-24');
    const newYork = { timeZone: 'America/New_York', weekday: 2 }; // weeks ending on Wednesday 00:00
    const week = latestEndedPeriod('weekly', at('2026-12-03T12:00:00Z'), newYork);
    expect(week).toMatchObject({
      key: '2026-11-25_2026-12-01',
      start: at('2026-11-25T05:00:00Z'),
      end: at('2026-12-02T05:00:00Z'),
    });
    expect(periodAfter('weekly', week, newYork).end).toEqual(at('2026-12-09T05:00:00Z'));
  });
});
