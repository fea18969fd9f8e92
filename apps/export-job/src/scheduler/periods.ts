/**
 * The periods a schedule runs for. A period is a span of whole UTC days that has ended: a daily period is one
 * day, a weekly period a Monday-Sunday week. Its run is due from `end` (00:00 UTC the next day, or Monday
 * 00:00 UTC), and exports the data as it was at that instant.
 */
export type Cadence = 'daily' | 'weekly';
export const CADENCES: readonly Cadence[] = ['daily', 'weekly'];

export interface Period {
  /** Stable name: the day (`2026-11-30`) or the week's Monday and Sunday (`2026-11-23_2026-11-29`). */
  key: string;
  /** First and last UTC day covered, YYYY-MM-DD. */
  fromDay: string;
  toDay: string;
  /** The instant the period ends and its run becomes due. */
  end: Date;
}

const DAY_MS = 86_400_000;
/** A schedule that was off for a long time catches up on this many periods at most, the latest ones. */
export const MAX_CATCH_UP_PERIODS = 7;

const dayString = (dayNumber: number) => new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
const dayNumberOf = (at: Date) => Math.floor(at.getTime() / DAY_MS);
/** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
const weekdayOf = (dayNumber: number) => (((dayNumber + 3) % 7) + 7) % 7;

/** The period that ends at day number `endDay` (its first day after the period). */
function periodEndingAt(cadence: Cadence, endDay: number): Period {
  const firstDay = endDay - (cadence === 'daily' ? 1 : 7);
  const fromDay = dayString(firstDay);
  const toDay = dayString(endDay - 1);
  return { key: cadence === 'daily' ? fromDay : `${fromDay}_${toDay}`, fromDay, toDay, end: new Date(endDay * DAY_MS) };
}

/** The latest period that has ended at `now` (at or before `now`). */
export function latestEndedPeriod(cadence: Cadence, now: Date): Period {
  const today = dayNumberOf(now);
  return periodEndingAt(cadence, cadence === 'daily' ? today : today - weekdayOf(today));
}

/** When the next period ends after `now`: the next 00:00 UTC, or the next Monday 00:00 UTC. */
export function nextRunAt(cadence: Cadence, now: Date): Date {
  const latest = latestEndedPeriod(cadence, now);
  return new Date(latest.end.getTime() + (cadence === 'daily' ? 1 : 7) * DAY_MS);
}

/**
 * The periods due at `now` for a schedule active since `since`, oldest first: those that ended after `since`
 * (the first run is the next day, or the next Monday, as seed 000 says), at most the latest
 * MAX_CATCH_UP_PERIODS of them.
 */
export function duePeriods(cadence: Cadence, since: Date, now: Date): Period[] {
  const step = cadence === 'daily' ? 1 : 7;
  const periods: Period[] = [];
  let period = latestEndedPeriod(cadence, now);
  while (period.end > since && periods.length < MAX_CATCH_UP_PERIODS) {
    periods.unshift(period);
    period = periodEndingAt(cadence, dayNumberOf(period.end) - step);
  }
  return periods;
}
