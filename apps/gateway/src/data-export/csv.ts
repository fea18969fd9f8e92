import type { companyUsage } from '@exportd/contracts';

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
 * The STARS, frequency and satisfaction labels are fixed words that never need quoting.
 */
export function rowLine(row: companyUsage.CompanyFeatureRow, cells: CellCache = new CellCache()): string {
  return (
    cells.text(row.companyId) +
    ',' +
    cells.text(row.companyName) +
    ',' +
    cells.text(row.featureName) +
    ',' +
    cells.text(row.featureId) +
    ',' +
    row.date +
    ',' +
    row.firstSeen +
    ',' +
    row.lastSeen +
    ',' +
    (row.firstUsed ?? '') +
    ',' +
    (row.lastUsed ?? '') +
    ',' +
    row.starsStateLabel +
    ',' +
    numberCell(row.starsState) +
    ',' +
    (row.frequencyLabel ?? '') +
    ',' +
    numberCell(row.frequency) +
    ',' +
    (row.satisfactionLabel ?? '') +
    ',' +
    numberCell(row.satisfaction) +
    ',' +
    numberCell(row.feedbackCount) +
    ',' +
    cells.list(row.segmentNames) +
    ',' +
    cells.list(row.segmentIds) +
    '\r\n'
  );
}

/**
 * Escaped cells of one batch: company, feature and segment texts repeat on many rows, so each is escaped
 * once. Use one cache per batch (its size is bounded by the batch).
 */
export class CellCache {
  private readonly texts = new Map<string, string>();
  private readonly lists = new Map<string, string>();

  text(value: string | null | undefined): string {
    if (value === null || value === undefined || value === '') return '';
    let cell = this.texts.get(value);
    if (cell === undefined) {
      cell = textCell(value);
      this.texts.set(value, cell);
    }
    return cell;
  }

  list(values: readonly string[]): string {
    if (values.length === 0) return '';
    const key = values.join('\u0000');
    let cell = this.lists.get(key);
    if (cell === undefined) {
      cell = listCell(values);
      this.lists.set(key, cell);
    }
    return cell;
  }
}
