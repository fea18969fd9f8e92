/**
 * RFC 4180 CSV, written by hand for speed: fields separated by commas, records end with CRLF, a field with a
 * comma, a double quote, CR or LF is enclosed in double quotes with inner quotes doubled. Text cells that
 * start with `=`, `+`, `-`, `@` (or a tab or CR) get a leading `'`, so a spreadsheet does not run them as a
 * formula. Objects and arrays are written as their JSON text; null and missing values as an empty field.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text a spreadsheet would run as a formula gets a leading `'` (OWASP CSV injection). */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A list in one cell: items (each neutralised) joined by commas, always quoted; an empty list is empty. */
export function csvListCell(values: readonly string[]): string {
  if (values.length === 0) return '';
  return `"${values.map(neutraliseFormula).join(',').replace(/"/g, '""')}"`;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') {
    text = neutraliseFormula(value);
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  } else {
    text = neutraliseFormula(JSON.stringify(value));
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvCell(values[i]);
  }
  return `${line}\r\n`;
}

/**
 * Columns of the company data export (company_features) whose values are lists carried as comma-joined
 * text: written as list cells, so a one-item list is quoted like a longer one.
 */
export const COMPANY_FEATURE_LIST_COLUMNS = ['Segment Names', 'Segment IDs'] as const;

export interface CsvWriterOptions {
  /** Columns whose values are comma-joined lists (text), written with csvListCell; absent names are ignored. */
  listColumns?: readonly string[];
}

/**
 * Writes rows (objects keyed by column name) as CSV: `header()` once, then `rows()` per batch. Within a
 * batch, each distinct text is escaped once: company, feature and segment texts repeat on many rows.
 */
export class CsvWriter {
  private readonly isList: boolean[];

  constructor(
    readonly columns: readonly string[],
    options: CsvWriterOptions = {},
  ) {
    const lists = new Set(options.listColumns ?? []);
    this.isList = columns.map((column) => lists.has(column));
  }

  header(): string {
    return csvRecord(this.columns);
  }

  /** One record per row, in column order; keys the columns do not name are left out. */
  rows(rows: Iterable<Record<string, unknown>>): string {
    const texts = new Map<string, string>();
    const lists = new Map<string, string>();
    const { columns, isList } = this;
    let out = '';
    for (const row of rows) {
      for (let i = 0; i < columns.length; i++) {
        if (i > 0) out += ',';
        const value = row[columns[i] as string];
        if (typeof value !== 'string') {
          out += csvCell(value);
          continue;
        }
        const cache = isList[i] ? lists : texts;
        let cell = cache.get(value);
        if (cell === undefined) {
          cell = isList[i] ? (value === '' ? '' : csvListCell(value.split(','))) : csvCell(value);
          cache.set(value, cell);
        }
        out += cell;
      }
      out += '\r\n';
    }
    return out;
  }
}
