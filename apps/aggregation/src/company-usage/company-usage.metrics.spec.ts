import { COMPANY_FEATURE_COLUMNS, companyFeatureRecord } from './company-usage.service';
import {
  adoptionDay,
  CompanyData,
  CompanyFeatureRow,
  companyRows,
  dayNumber,
  dayString,
  frequency,
  historyDates,
  satisfaction,
  starsState,
  usedDays,
  weekdayOf,
} from './company-usage.metrics';

const d = dayNumber;
const days = (...list: string[]) => list.map(d).sort((a, b) => a - b);
/** `count` consecutive days ending on `last`. */
const run = (last: string, count: number) => Array.from({ length: count }, (_, i) => d(last) - count + 1 + i);

describe('historyDates', () => {
  const dates = (history: Parameters<typeof historyDates>[0], today: string) => historyDates(history, d(today)).map(dayString);

  it('today is one row dated today', () => {
    expect(dates('today', '2026-03-04')).toEqual(['2026-03-04']);
  });

  it('30d-daily is the 30 days ending today', () => {
    const result = dates('30d-daily', '2026-03-04');
    expect(result).toHaveLength(30);
    expect(result[0]).toBe('2026-02-03');
    expect(result[29]).toBe('2026-03-04');
  });

  it('weekly rows are dated by Sundays; the current partial week is left out', () => {
    expect(weekdayOf(d('2026-01-04'))).toBe(6); // a Sunday
    expect(weekdayOf(d('2026-01-05'))).toBe(0); // a Monday
    // On a Monday, the week that ended yesterday is the last row.
    expect(dates('3m-weekly', '2026-01-05').at(-1)).toBe('2026-01-04');
    // On a Sunday, today's week is not over: the last row is the Sunday before.
    expect(dates('3m-weekly', '2026-01-04').at(-1)).toBe('2025-12-28');
    // Mid-week.
    expect(dates('3m-weekly', '2026-01-07').at(-1)).toBe('2026-01-04');
  });

  it('3m-weekly has 13 weeks and 6m-weekly 26, across the first week of a year', () => {
    const three = dates('3m-weekly', '2026-01-06');
    expect(three).toHaveLength(13);
    expect(three.slice(-3)).toEqual(['2025-12-21', '2025-12-28', '2026-01-04']);
    expect(three[0]).toBe('2025-10-12');
    const six = dates('6m-weekly', '2026-01-06');
    expect(six).toHaveLength(26);
    expect(six[0]).toBe('2025-07-13');
    for (const day of six) expect(weekdayOf(d(day))).toBe(6);
  });
});

describe('STARS state', () => {
  it('never (1) without use, tried (2) after one use', () => {
    expect(starsState([], null, d('2026-03-01'))).toBe(1);
    const once = days('2026-02-20');
    expect(starsState(once, adoptionDay(once), d('2026-02-19'))).toBe(1);
    expect(starsState(once, adoptionDay(once), d('2026-02-20'))).toBe(2);
  });

  it('adopted on the 5th distinct day within 4 weeks; retained (3) while used in the last 28 days, then churned (4)', () => {
    const used = days('2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-02-01');
    expect(adoptionDay(used)).toBe(d('2026-02-01')); // 01-05..02-01 spans 28 days
    expect(starsState(used, adoptionDay(used), d('2026-01-31'))).toBe(2);
    expect(starsState(used, adoptionDay(used), d('2026-02-01'))).toBe(3);
    expect(starsState(used, adoptionDay(used), d('2026-02-28'))).toBe(3); // last use 27 days ago
    expect(starsState(used, adoptionDay(used), d('2026-03-01'))).toBe(4); // 28 days ago
  });

  it('5 days spread over more than 4 weeks is not adoption', () => {
    const spread = days('2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02');
    expect(adoptionDay(spread)).toBeNull();
    expect(starsState(spread, null, d('2026-02-02'))).toBe(2);
  });
});

describe('frequency', () => {
  const date = d('2026-03-31');

  it('null when never used; quarterly (0) for any other use', () => {
    expect(frequency([], date)).toBeNull();
    expect(frequency(days('2025-01-01'), date)).toBe(0);
    expect(frequency(days('2026-04-01'), date)).toBeNull(); // later use is not seen
  });

  it('daily (3) from 8 active days of the last 14', () => {
    expect(frequency(run('2026-03-31', 8), date)).toBe(3);
    // 8 days, but the oldest is 14 days back (outside the window): 7 in the window, in 2 weeks.
    expect(frequency([d('2026-03-17'), ...run('2026-03-31', 7)], date)).toBe(0);
  });

  it('weekly (2) from 3 active weeks of the last 4', () => {
    expect(frequency(days('2026-03-31', '2026-03-24', '2026-03-17'), date)).toBe(2);
    expect(frequency(days('2026-03-31', '2026-03-24', '2026-03-10'), date)).toBe(2);
    expect(frequency(days('2026-03-31', '2026-03-24', '2026-03-03'), date)).toBe(0);
    // The 7-day blocks end on the row's date: 03-25 and 03-24 fall in different weeks.
    expect(frequency(days('2026-03-25', '2026-03-24', '2026-03-11'), date)).toBe(2);
  });

  it('monthly (1) from 7 active weeks of the last 12', () => {
    // Active in 7 of the last 12 weeks, only 2 of them among the last 4.
    const seven = [date - 77, date - 70, date - 63, date - 56, date - 49, date - 14, date - 7].sort((a, b) => a - b);
    expect(frequency(seven, date)).toBe(1);
    expect(frequency(seven.slice(1), date)).toBe(0);
  });
});

describe('satisfaction', () => {
  const feedback = [
    { featureId: 'f', day: d('2026-02-15'), time: Date.parse('2026-02-15T10:00:00Z'), score: 2 },
    { featureId: 'f', day: d('2026-02-25'), time: Date.parse('2026-02-25T10:00:00Z'), score: 5 },
    { featureId: 'f', day: d('2026-02-26'), time: Date.parse('2026-02-26T10:00:00Z'), score: null },
  ];

  it('is the latest score on or before the date; the count counts every feedback', () => {
    expect(satisfaction(feedback, d('2026-02-14'))).toEqual({ score: null, count: 0 });
    expect(satisfaction(feedback, d('2026-02-20'))).toEqual({ score: 2, count: 1 });
    expect(satisfaction(feedback, d('2026-02-25'))).toEqual({ score: 5, count: 2 });
    expect(satisfaction(feedback, d('2026-03-01'))).toEqual({ score: 5, count: 3 });
  });
});

describe('attribute features and rows', () => {
  const company: CompanyData = {
    companyId: 'acme',
    name: 'Acme',
    firstSeenDay: d('2026-02-01'),
    lastSeenDay: d('2026-02-11'),
    eventDays: new Map(),
    attributes: [
      { day: d('2026-02-01'), values: { hasSlackEnabled: true, monthly_spend: 10 } },
      { day: d('2026-02-11'), values: { hasSlackEnabled: false, monthly_spend: 80 } },
    ],
    feedback: [],
  };
  const slack = { id: 'feat_slack', name: 'Slack', companyAttribute: { key: 'hasSlackEnabled', equals: true } };

  it('counts use on each day the attribute holds', () => {
    expect(usedDays(company, slack, d('2026-03-01')).map(dayString)).toEqual([
      '2026-02-01',
      '2026-02-02',
      '2026-02-03',
      '2026-02-04',
      '2026-02-05',
      '2026-02-06',
      '2026-02-07',
      '2026-02-08',
      '2026-02-09',
      '2026-02-10',
    ]);
  });

  it('leaves out dates before the company was first seen', () => {
    const rows = companyRows(company, [slack], [], days('2026-01-31', '2026-02-05'));
    expect(rows.map((r) => [r.date, r.firstUsed, r.lastUsed, r.starsStateLabel, r.lastSeen])).toEqual([
      ['2026-02-05', '2026-02-01', '2026-02-05', 'retained', '2026-02-01'],
    ]);
  });
});

describe('companyFeatureRecord', () => {
  it('keys a row by the 18 export columns, in order', () => {
    const company: CompanyData = {
      companyId: 'acme',
      name: null,
      firstSeenDay: d('2026-02-01'),
      lastSeenDay: null,
      eventDays: new Map([['e', [d('2026-02-02')]]]),
      attributes: [],
      feedback: [],
    };
    const [row] = companyRows(company, [{ id: 'feat_1', name: 'F', events: ['e'] }], [], days('2026-02-03'));
    const record = companyFeatureRecord(row as CompanyFeatureRow);
    expect(Object.keys(record)).toEqual([...COMPANY_FEATURE_COLUMNS]);
    expect(Object.values(record)).toEqual([
      'acme',
      null,
      'F',
      'feat_1',
      '2026-02-03',
      '2026-02-01',
      '2026-02-02',
      '2026-02-02',
      '2026-02-02',
      'tried',
      2,
      'quarterly',
      0,
      null,
      null,
      0,
      '',
      '',
    ]);
  });
});
