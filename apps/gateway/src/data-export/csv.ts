import type * as companyUsage from '@exportd/contracts/generated/analytics/v1/company_usage';

/** The header of the company data export: the 18 columns of seed 000, in its order. */
export const COMPANY_EXPORT_HEADER = [
  'Company ID',
  'Company Name',
  'Feature Name',
  'Feature ID',
  'Date',
  'First Seen',
  'Last Seen',
  'First Used',
  'Last Used',
  'STARS State Label',
  'STARS State',
  'Frequency Label',
  'Frequency',
  'Satisfaction Label',
  'Satisfaction',
  'Feedback Count',
  'Segment Names',
  'Segment IDs',
] as const;

const NEEDS_QUOTES = /[",\r\n]/;
/** Characters a spreadsheet reads as the start of a formula (OWASP CSV injection), plus tab and CR. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One text cell (RFC 4180): a value a spreadsheet would run as a formula gets a leading `'`; a cell holding a
 * quote, comma or line break is quoted with quotes doubled. null and undefined are empty.
 */
export function textCell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A list: its items joined by commas, always inside one quoted cell (an empty list is an empty cell). */
export function listCell(values: readonly string[]): string {
  if (values.length === 0) return '';
  const joined = values.map((v) => (FORMULA_START.test(v) ? `'${v}` : v)).join(',');
  return `"${joined.replace(/"/g, '""')}"`;
}

function numberCell(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

export function headerLine(): string {
  return `${COMPANY_EXPORT_HEADER.join(',')}\r\n`;
}

/**
 * One CSV record (CRLF-terminated). Dates are UTC days in ISO 8601 (YYYY-MM-DD): the Date column and the
 * First/Last Seen and First/Last Used columns alike, since the daily counters they come from are per day.
 */
export function rowLine(row: companyUsage.CompanyFeatureRow): string {
  return (
    [
      textCell(row.companyId),
      textCell(row.companyName),
      textCell(row.featureName),
      textCell(row.featureId),
      row.date,
      row.firstSeen,
      row.lastSeen,
      row.firstUsed ?? '',
      row.lastUsed ?? '',
      textCell(row.starsStateLabel),
      numberCell(row.starsState),
      textCell(row.frequencyLabel),
      numberCell(row.frequency),
      textCell(row.satisfactionLabel),
      numberCell(row.satisfaction),
      numberCell(row.feedbackCount),
      listCell(row.segmentNames),
      listCell(row.segmentIds),
    ].join(',') + '\r\n'
  );
}
