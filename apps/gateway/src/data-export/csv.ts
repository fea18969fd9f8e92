import type { companyUsage } from '@exportd/contracts';
import { csvCell, csvListCell } from '@exportd/csv';
import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';

/**
 * One text cell (RFC 4180, formula-neutralised); null and undefined are empty. Lists go in one quoted cell.
 */
export const textCell = (value: string | null | undefined): string => (value ? csvCell(value) : '');
export const listCell = csvListCell;

function numberCell(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

export function headerLine(): string {
  return `${COMPANY_FEATURE_COLUMNS.join(',')}\r\n`;
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
