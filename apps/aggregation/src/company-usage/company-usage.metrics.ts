/**
 * Company-by-feature metrics as of a date, from the daily counters (pure functions, no I/O).
 *
 * Days are handled as integers (days since 1970-01-01, UTC). A row dated D sees everything that happened on
 * or before the end of day D (UTC) and nothing later.
 */
import { evaluateFilter, FilterNode } from '@exportd/filter';

export const HISTORY_OPTIONS = ['today', '30d-daily', '3m-weekly', '6m-weekly'] as const;
export type History = (typeof HISTORY_OPTIONS)[number];

export const STARS_LABELS = { 1: 'never', 2: 'tried', 3: 'retained', 4: 'churned' } as const;
export const FREQUENCY_LABELS = { 0: 'quarterly', 1: 'monthly', 2: 'weekly', 3: 'daily' } as const;
export const SATISFACTION_LABELS = {
  1: 'very dissatisfied',
  2: 'dissatisfied',
  3: 'neutral',
  4: 'satisfied',
  5: 'very satisfied',
} as const;

/** STARS defaults: adopted = used on ADOPTION_DAYS distinct days within ADOPTION_WINDOW_DAYS. */
export const ADOPTION_DAYS = 5;
export const ADOPTION_WINDOW_DAYS = 28;
/** Retained = adopted and used within the last RETENTION_WINDOW_DAYS days (D included). */
export const RETENTION_WINDOW_DAYS = 28;

const DAY_MS = 86_400_000;

export function dayNumber(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

export function dayNumberOf(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

const dayStrings = new Map<number, string>();

/** YYYY-MM-DD of a day number (memoised: a few thousand distinct days at most). */
export function dayString(day: number): string {
  let text = dayStrings.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayStrings.size < 100_000) dayStrings.set(day, text);
  }
  return text;
}

/** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/**
 * The row dates of a history option, oldest first, given today's day number:
 * - `today`: today (values as of now).
 * - `30d-daily`: the 30 days ending today; today is included as the last row (values as of now), so its
 *   values match the `today` snapshot.
 * - `3m-weekly` (13 weeks) and `6m-weekly` (26 weeks): full Monday-Sunday calendar weeks, each dated by its
 *   Sunday. The current week is still partial (it ends after today, or today is its Sunday and not over yet),
 *   so it is left out: the last row is the Sunday before today's week began. On a Monday that is yesterday.
 */
export function historyDates(history: History, today: number): number[] {
  const range = (count: number, last: number, step: number) =>
    Array.from({ length: count }, (_, i) => last - (count - 1 - i) * step);
  switch (history) {
    case 'today':
      return [today];
    case '30d-daily':
      return range(30, today, 1);
    case '3m-weekly':
    case '6m-weekly': {
      const lastSunday = today - weekdayOf(today) - 1;
      return range(history === '3m-weekly' ? 13 : 26, lastSunday, 7);
    }
  }
}

/** Number of elements of a sorted array that are <= value. */
export function countAtMost(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The feature definitions the metrics need. */
export interface FeatureRule {
  id: string;
  name: string;
  events?: string[] | null;
  companyAttribute?: { key: string; equals: unknown } | null;
}

export interface SegmentRule {
  id: string;
  name: string;
  filter: FilterNode;
}

export interface FeedbackEntry {
  featureId: string;
  day: number;
  /** Milliseconds since the epoch; orders feedback given the same day. */
  time: number;
  score: number | null;
}

/** Everything known about one company, as read from the raw collections (only days <= the last row date). */
export interface CompanyData {
  companyId: string;
  /** The profile's current `name` attribute (shown on every row, also older ones), or null. */
  name: string | null;
  firstSeenDay: number;
  /** Day of the profile's last seen, when any. */
  lastSeenDay: number | null;
  /** Event name -> sorted distinct days with a count > 0. */
  eventDays: Map<string, number[]>;
  /** Company attributes at the end of each recorded day, oldest first. */
  attributes: { day: number; values: Record<string, unknown> }[];
  /** Feedback given for any feature, oldest first. */
  feedback: FeedbackEntry[];
}

export interface CompanyFeatureRow {
  companyId: string;
  companyName: string | null;
  featureName: string;
  featureId: string;
  date: string;
  firstSeen: string;
  lastSeen: string;
  firstUsed: string | null;
  lastUsed: string | null;
  starsStateLabel: string;
  starsState: number;
  frequencyLabel: string | null;
  frequency: number | null;
  satisfactionLabel: string | null;
  satisfaction: number | null;
  feedbackCount: number;
  segmentNames: string[];
  segmentIds: string[];
}

/**
 * The event names whose calls count as using the feature (its event rule), none for an attribute rule: that
 * one holds for a company, not for a call. The one reading of a feature's event rule (company usage and the
 * user's data export both use it).
 */
export function ruleEvents(feature: FeatureRule): readonly string[] {
  return feature.events && feature.events.length > 0 ? feature.events : [];
}

/** The sorted days a company used a feature, up to `lastDay`. */
export function usedDays(company: CompanyData, feature: FeatureRule, lastDay: number): number[] {
  const events = ruleEvents(feature);
  if (events.length > 0) {
    const lists = events.map((event) => company.eventDays.get(event)).filter((days): days is number[] => !!days);
    if (lists.length === 1) return lists[0] as number[];
    return [...new Set(lists.flat())].sort((a, b) => a - b);
  }
  const rule = feature.companyAttribute;
  if (!rule) return [];
  // An attribute feature counts as used on each day the attribute holds: from each recorded day on which it
  // holds until the next recorded day on which it no longer does (attributes carry forward between records).
  const days: number[] = [];
  const records = company.attributes;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] as (typeof records)[number];
    if (record.day > lastDay) break;
    if (!sameValue(attributeOf(record.values, rule.key), rule.equals)) continue;
    const until = Math.min(i + 1 < records.length ? (records[i + 1] as (typeof records)[number]).day - 1 : lastDay, lastDay);
    for (let day = record.day; day <= until; day++) days.push(day);
  }
  return days;
}

function attributeOf(values: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : undefined;
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (actual === undefined) return false;
  if (actual === null || typeof actual !== 'object') return actual === expected;
  return JSON.stringify(actual) === JSON.stringify(expected);
}

/** The first day the company became adopted (the 5th distinct day within 28 days), or null. */
export function adoptionDay(days: readonly number[]): number | null {
  for (let i = ADOPTION_DAYS - 1; i < days.length; i++) {
    if ((days[i] as number) - (days[i - ADOPTION_DAYS + 1] as number) < ADOPTION_WINDOW_DAYS) return days[i] as number;
  }
  return null;
}

/** STARS state as of `date`: 1 never, 2 tried, 3 retained, 4 churned. */
export function starsState(days: readonly number[], adoptedOn: number | null, date: number): 1 | 2 | 3 | 4 {
  const used = countAtMost(days, date);
  if (used === 0) return 1;
  if (adoptedOn === null || adoptedOn > date) return 2;
  const lastUsed = days[used - 1] as number;
  return lastUsed > date - RETENTION_WINDOW_DAYS ? 3 : 4;
}

/**
 * Frequency as of `date`, first rule that matches, looking back from `date` (included). Weeks here are the
 * 7-day blocks ending on `date` ([date-6, date], [date-13, date-7], ...), so a row's value does not depend
 * on which weekday it falls on:
 * - 3 daily: used on at least 8 distinct days of the last 14 days;
 * - 2 weekly: used in at least 3 of the last 4 weeks;
 * - 1 monthly: used in at least 7 of the last 12 weeks;
 * - 0 quarterly: any other company that has used the feature at some time on or before `date`;
 * - null: never used as of `date` (no frequency to speak of; the label is empty too).
 */
export function frequency(days: readonly number[], date: number): 0 | 1 | 2 | 3 | null {
  const upTo = countAtMost(days, date);
  if (upTo === 0) return null;
  if (upTo - countAtMost(days, date - 14) >= 8) return 3;
  let last4 = 0;
  let last12 = 0;
  for (let week = 0; week < 12; week++) {
    const end = date - week * 7;
    if (countAtMost(days, end) - countAtMost(days, end - 7) > 0) {
      last12++;
      if (week < 4) last4++;
    }
  }
  if (last4 >= 3) return 2;
  if (last12 >= 7) return 1;
  return 0;
}

/**
 * Satisfaction as of `date`: the company's latest feedback score for the feature (the most recent one given
 * on or before `date`, by timestamp), not a mean: a company that changed its mind is shown as it is now.
 * Scores outside 1..5 are not scores (they still count as feedback). Feedback Count counts every feedback
 * for the feature on or before `date`.
 */
export function satisfaction(feedback: readonly FeedbackEntry[], date: number): { score: number | null; count: number } {
  let score: number | null = null;
  let count = 0;
  for (const entry of feedback) {
    if (entry.day > date) break;
    count++;
    if (entry.score !== null && Number.isInteger(entry.score) && entry.score >= 1 && entry.score <= 5) score = entry.score;
  }
  return { score, count };
}

/** The company's attributes as of the end of `date`: its latest recorded day <= date (none yet: empty). */
export function attributesAsOf(company: CompanyData, date: number): Record<string, unknown> {
  let found: Record<string, unknown> | undefined;
  for (const record of company.attributes) {
    if (record.day > date) break;
    found = record.values;
  }
  return found ?? {};
}

/** The company's last seen day as of `date`: the profile's when it is <= date, else its latest activity <= date. */
export function lastSeenAsOf(company: CompanyData, activityDays: readonly number[], date: number): number {
  if (company.lastSeenDay !== null && company.lastSeenDay <= date) return Math.max(company.lastSeenDay, company.firstSeenDay);
  const upTo = countAtMost(activityDays, date);
  return upTo > 0 ? Math.max(activityDays[upTo - 1] as number, company.firstSeenDay) : company.firstSeenDay;
}

/**
 * All rows of one company: for each date (oldest first) on which the company had been seen, one row per
 * feature (in the order given). Memory is bounded by one company's data.
 */
export function companyRows(
  company: CompanyData,
  features: readonly FeatureRule[],
  segments: readonly SegmentRule[],
  dates: readonly number[],
): CompanyFeatureRow[] {
  const rows: CompanyFeatureRow[] = [];
  const lastDate = dates[dates.length - 1] ?? 0;
  const visibleDates = dates.filter((date) => date >= company.firstSeenDay);
  if (visibleDates.length === 0) return rows;

  const activity = new Set<number>();
  for (const days of company.eventDays.values()) for (const day of days) activity.add(day);
  for (const record of company.attributes) activity.add(record.day);
  for (const entry of company.feedback) activity.add(entry.day);
  const activityDays = [...activity].sort((a, b) => a - b);

  const perFeature = features.map((feature) => {
    const days = usedDays(company, feature, lastDate);
    return {
      feature,
      days,
      adoptedOn: adoptionDay(days),
      feedback: company.feedback.filter((entry) => entry.featureId === feature.id),
    };
  });
  const firstSeen = dayString(company.firstSeenDay);

  for (const date of visibleDates) {
    const dateText = dayString(date);
    const lastSeen = dayString(lastSeenAsOf(company, activityDays, date));
    const attributes = segments.length > 0 ? attributesAsOf(company, date) : {};
    const segmentNames: string[] = [];
    const segmentIds: string[] = [];
    for (const segment of segments) {
      if (evaluateFilter(segment.filter, attributes)) {
        segmentNames.push(segment.name);
        segmentIds.push(segment.id);
      }
    }
    for (const { feature, days, adoptedOn, feedback } of perFeature) {
      const used = countAtMost(days, date);
      const stars = starsState(days, adoptedOn, date);
      const freq = frequency(days, date);
      const satisfied = satisfaction(feedback, date);
      rows.push({
        companyId: company.companyId,
        companyName: company.name,
        featureName: feature.name,
        featureId: feature.id,
        date: dateText,
        firstSeen,
        lastSeen,
        firstUsed: used > 0 ? dayString(days[0] as number) : null,
        lastUsed: used > 0 ? dayString(days[used - 1] as number) : null,
        starsStateLabel: STARS_LABELS[stars],
        starsState: stars,
        frequencyLabel: freq === null ? null : FREQUENCY_LABELS[freq],
        frequency: freq,
        satisfactionLabel: satisfied.score === null ? null : SATISFACTION_LABELS[satisfied.score as 1 | 2 | 3 | 4 | 5],
        satisfaction: satisfied.score,
        feedbackCount: satisfied.count,
        segmentNames,
        segmentIds,
      });
    }
  }
  return rows;
}
