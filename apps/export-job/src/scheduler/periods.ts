/**
 * The periods a schedule runs for. A period is a span of whole days that has ended, in the schedule's time
 * zone (UTC unless it says otherwise): a daily period is one day, a weekly period the seven days before its
 * weekday (Monday-Sunday by default), a monthly period a calendar month. Its run is due from `end` (the
 * next day's 00:00 there) and exports the data as it was at that instant.
 */
export type Cadence = 'daily' | 'weekly' | 'monthly';
export const CADENCES: readonly Cadence[] = ['daily', 'weekly', 'monthly'];

/** Where and when periods start: an IANA time zone, and the weekday a weekly period ends (0 = Monday). */
export interface PeriodZone {
  timeZone: string;
  weekday: number;
}
export const UTC_WEEKS_FROM_MONDAY: PeriodZone = { timeZone: 'UTC', weekday: 0 };

export interface Period {
  /** Stable name: the day (`2026-11-30`), or the first and last day (`2026-11-23_2026-11-29`). */
  key: string;
  /** First and last day covered (in the zone), YYYY-MM-DD. */
  fromDay: string;
  toDay: string;
  /** The first instant of the period (00:00 of its first day in the zone). */
  start: Date;
  /** The instant the period ends and its run becomes due. */
  end: Date;
}

const DAY_MS = 86_400_000;
/** A schedule that was off for a long time catches up on this many periods at most, the latest ones. */
export const MAX_CATCH_UP_PERIODS = 7;

const dayString = (dayNumber: number) => new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
/** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
const weekdayOf = (dayNumber: number) => (((dayNumber + 3) % 7) + 7) % 7;

/** Milliseconds the zone's wall clock is ahead of UTC at `at`. */
function offsetMs(timeZone: string, at: number): number {
  if (timeZone === 'UTC') return 0;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** The zone's calendar day at `at`, as a day number (days since 1970-01-01). */
function localDay(zone: PeriodZone, at: number): number {
  return Math.floor((at + offsetMs(zone.timeZone, at)) / DAY_MS);
}

/** The instant of 00:00 of the zone's day `dayNumber` (checked twice: the offset may change that day). */
function midnight(zone: PeriodZone, dayNumber: number): Date {
  const wall = dayNumber * DAY_MS;
  let at = wall - offsetMs(zone.timeZone, wall);
  at = wall - offsetMs(zone.timeZone, at);
  return new Date(at);
}

/** The first day of the month `months` after the month of `dayNumber`. */
function monthStart(dayNumber: number, months = 0): number {
  const date = new Date(dayNumber * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1) / DAY_MS;
}

/** The first day of the period that ends when day `endDay` begins. */
function startDay(cadence: Cadence, endDay: number): number {
  if (cadence === 'daily') return endDay - 1;
  if (cadence === 'weekly') return endDay - 7;
  return monthStart(endDay, -1);
}

function period(cadence: Cadence, zone: PeriodZone, endDay: number): Period {
  const first = startDay(cadence, endDay);
  const fromDay = dayString(first);
  const toDay = dayString(endDay - 1);
  return {
    key: cadence === 'daily' ? fromDay : `${fromDay}_${toDay}`,
    fromDay,
    toDay,
    start: midnight(zone, first),
    end: midnight(zone, endDay),
  };
}

/** The latest period that has ended at `now` (at or before `now`). */
export function latestEndedPeriod(cadence: Cadence, now: Date, zone: PeriodZone = UTC_WEEKS_FROM_MONDAY): Period {
  const today = localDay(zone, now.getTime());
  const endDay =
    cadence === 'daily' ? today : cadence === 'weekly' ? today - ((weekdayOf(today) - zone.weekday + 7) % 7) : monthStart(today);
  return period(cadence, zone, endDay);
}

/** When the next period ends after `now`. */
export function nextRunAt(cadence: Cadence, now: Date, zone: PeriodZone = UTC_WEEKS_FROM_MONDAY): Date {
  return periodAfter(cadence, latestEndedPeriod(cadence, now, zone), zone).end;
}

/** The period right after `previous`. */
export function periodAfter(cadence: Cadence, previous: Period, zone: PeriodZone = UTC_WEEKS_FROM_MONDAY): Period {
  const endOfPrevious = Date.parse(`${previous.toDay}T00:00:00Z`) / DAY_MS + 1;
  const endDay =
    cadence === 'daily' ? endOfPrevious + 1 : cadence === 'weekly' ? endOfPrevious + 7 : monthStart(endOfPrevious, 1);
  return period(cadence, zone, endDay);
}

/**
 * The periods due at `now` for a schedule active since `since`, oldest first: those that ended after `since`
 * (the first run is the next day, week or month, as seed 000 says), at most the latest MAX_CATCH_UP_PERIODS.
 */
export function duePeriods(cadence: Cadence, since: Date, now: Date, zone: PeriodZone = UTC_WEEKS_FROM_MONDAY): Period[] {
  const periods: Period[] = [];
  let current = latestEndedPeriod(cadence, now, zone);
  while (current.end > since && periods.length < MAX_CATCH_UP_PERIODS) {
    periods.unshift(current);
    current = period(cadence, zone, Date.parse(`${current.fromDay}T00:00:00Z`) / DAY_MS);
  }
  return periods;
}
