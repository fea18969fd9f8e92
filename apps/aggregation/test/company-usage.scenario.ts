import type { CompanyFeatureRow } from '../src/company-usage/company-usage.metrics';
/**
 * The company-usage scenario shared by the service-level test (a fixed "today") and the end-to-end test (the
 * real today): four companies, each in one STARS state for the Messaging feature, an attribute-based Slack
 * feature, feedback, and a segment whose membership changes. Every time is relative to `today`.
 */

/** What the scenario needs from the usage-records builder of @exportd/testing. */
export interface ScenarioRecords {
  company(companyId: string, options: { name?: string }): unknown;
  event(companyId: string, event: string, at: Date): unknown;
  attributes(companyId: string, at: Date, attributes: Record<string, unknown>): unknown;
  feedback(companyId: string, featureId: string, score: number, at: Date): unknown;
}

export const MESSAGING = { name: 'Messaging', events: ['Sent message'] };
export const SLACK = { name: 'Slack', companyAttribute: { key: 'hasSlackEnabled', equals: true } };
export const BIG_SPENDERS = { name: 'Big spenders', filter: 'monthly_spend >= 50' };

const DAY_MS = 86_400_000;

/** Midnight (UTC) of `today` minus `days`, plus `hours`. */
export function daysAgo(today: Date, days: number, hours = 12): Date {
  const midnight = Math.floor(today.getTime() / DAY_MS) * DAY_MS;
  return new Date(midnight - days * DAY_MS + hours * 3_600_000);
}

export function dayAgo(today: Date, days: number): string {
  return daysAgo(today, days).toISOString().slice(0, 10);
}

export function buildScenario(records: ScenarioRecords, today: Date, messagingFeatureId: string): void {
  const at = (days: number, hours = 12) => daysAgo(today, days, hours);
  // never (1) for Messaging; Slack on from 31 days ago until 21 days ago; spends 80 from 21 days ago.
  records.company('c-never', { name: 'Never Co' });
  records.attributes('c-never', at(31), { name: 'Never Co', monthly_spend: 10, hasSlackEnabled: true });
  records.attributes('c-never', at(21), { monthly_spend: 80, hasSlackEnabled: false });
  // tried (2): one use, 12 days ago. A name that needs quoting.
  records.company('c-tried', { name: 'Tried, Inc.' });
  records.event('c-tried', 'Sent message', at(12));
  // retained (3): 6 distinct days over the last 22 days, the 5th 6 days ago; feedback 2 then 5.
  records.company('c-retained', { name: 'Retained "R" Ltd' });
  for (const days of [22, 18, 14, 10, 6, 1]) records.event('c-retained', 'Sent message', at(days));
  records.event('c-retained', 'Opened page', at(0, 1));
  records.feedback('c-retained', messagingFeatureId, 2, at(17));
  records.feedback('c-retained', messagingFeatureId, 5, at(7));
  // churned (4): adopted 50 days ago (5 days within 9), nothing since. A name a spreadsheet would run.
  records.company('c-churned', { name: '=HYPERLINK("http://evil")' });
  for (const days of [58, 56, 54, 52, 50]) records.event('c-churned', 'Sent message', at(days));
}

/**
 * The today snapshot, as CSV cells (Company ID .. Segment IDs), companies by id, features by name.
 * Feature and segment ids are filled in by the caller.
 */
export function expectedToday(today: Date, ids: { messaging: string; slack: string; bigSpenders: string }): string[][] {
  const t = dayAgo(today, 0);
  const ago = (days: number) => dayAgo(today, days);
  return [
    [
      'c-churned',
      '=HYPERLINK("http://evil")',
      'Messaging',
      ids.messaging,
      t,
      ago(58),
      ago(50),
      ago(58),
      ago(50),
      'churned',
      '4',
      'quarterly',
      '0',
      '',
      '',
      '0',
      '',
      '',
    ],
    [
      'c-churned',
      '=HYPERLINK("http://evil")',
      'Slack',
      ids.slack,
      t,
      ago(58),
      ago(50),
      '',
      '',
      'never',
      '1',
      '',
      '',
      '',
      '',
      '0',
      '',
      '',
    ],
    [
      'c-never',
      'Never Co',
      'Messaging',
      ids.messaging,
      t,
      ago(31),
      ago(21),
      '',
      '',
      'never',
      '1',
      '',
      '',
      '',
      '',
      '0',
      'Big spenders',
      ids.bigSpenders,
    ],
    [
      'c-never',
      'Never Co',
      'Slack',
      ids.slack,
      t,
      ago(31),
      ago(21),
      ago(31),
      ago(22),
      'retained',
      '3',
      'quarterly',
      '0',
      '',
      '',
      '0',
      'Big spenders',
      ids.bigSpenders,
    ],
    [
      'c-retained',
      'Retained "R" Ltd',
      'Messaging',
      ids.messaging,
      t,
      ago(22),
      t,
      ago(22),
      ago(1),
      'retained',
      '3',
      'weekly',
      '2',
      'very satisfied',
      '5',
      '2',
      '',
      '',
    ],
    ['c-retained', 'Retained "R" Ltd', 'Slack', ids.slack, t, ago(22), t, '', '', 'never', '1', '', '', '', '', '0', '', ''],
    [
      'c-tried',
      'Tried, Inc.',
      'Messaging',
      ids.messaging,
      t,
      ago(12),
      ago(12),
      ago(12),
      ago(12),
      'tried',
      '2',
      'quarterly',
      '0',
      '',
      '',
      '0',
      '',
      '',
    ],
    ['c-tried', 'Tried, Inc.', 'Slack', ids.slack, t, ago(12), ago(12), '', '', 'never', '1', '', '', '', '', '0', '', ''],
  ];
}

/** A row of the service as the CSV's cells (before CSV quoting): nulls empty, lists comma-joined. */
export function cellsOf(row: CompanyFeatureRow): string[] {
  const text = (value: string | number | null) => (value === null ? '' : String(value));
  return [
    row.companyId,
    text(row.companyName),
    row.featureName,
    row.featureId,
    row.date,
    row.firstSeen,
    row.lastSeen,
    text(row.firstUsed),
    text(row.lastUsed),
    row.starsStateLabel,
    text(row.starsState),
    text(row.frequencyLabel),
    text(row.frequency),
    text(row.satisfactionLabel),
    text(row.satisfaction),
    text(row.feedbackCount),
    row.segmentNames.join(','),
    row.segmentIds.join(','),
  ];
}
