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

/**
 * The Coveo-compatible exports' NO_NEWLINE dialect (seed 004): every record is one physical line ending with LF
 * alone. A field with a comma, `"`, `\`, CR or LF is enclosed in double quotes; inside it `"` and `\` are
 * escaped by `\`, and CR and LF are written as the two characters `\r` and `\n` (unambiguous, since a real
 * backslash is doubled), so no value holds a line break. Formula cells are neutralised as in RFC 4180 CSV.
 */
const NO_NEWLINE_NEEDS_QUOTES = /[",\\\r\n]/;
const NO_NEWLINE_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\r': '\\r', '\n': '\\n' };

function noNewlineEscape(text: string): string {
  return text.replace(/["\\\r\n]/g, (char) => NO_NEWLINE_ESCAPES[char] ?? char);
}

export function noNewlineCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = neutraliseFormula(typeof value === 'string' ? value : JSON.stringify(value));
  return NO_NEWLINE_NEEDS_QUOTES.test(text) ? `"${noNewlineEscape(text)}"` : text;
}

/** A list in one NO_NEWLINE cell, as csvListCell: items neutralised, joined by commas, always quoted. */
export function noNewlineListCell(values: readonly string[]): string {
  if (values.length === 0) return '';
  return `"${noNewlineEscape(values.map(neutraliseFormula).join(','))}"`;
}

/** `rfc4180` (the default; CRLF after each record) or `no_newline` (see noNewlineCell; LF after each record). */
export type CsvDialect = 'rfc4180' | 'no_newline';

const DIALECTS: Readonly<
  Record<CsvDialect, { cell: (value: unknown) => string; listCell: (values: readonly string[]) => string; end: string }>
> = {
  rfc4180: { cell: csvCell, listCell: csvListCell, end: '\r\n' },
  no_newline: { cell: noNewlineCell, listCell: noNewlineListCell, end: '\n' },
};

export interface CsvWriterOptions {
  /** Columns whose values are comma-joined lists (text), written with csvListCell; absent names are ignored. */
  listColumns?: readonly string[];
  dialect?: CsvDialect;
}

/**
 * Writes rows (objects keyed by column name) as CSV: `header()` once, then `rows()` per batch. Within a
 * batch, each distinct text is escaped once: company, feature and segment texts repeat on many rows.
 */
export class CsvWriter {
  private readonly isList: boolean[];
  private readonly dialect: (typeof DIALECTS)[CsvDialect];

  constructor(
    readonly columns: readonly string[],
    options: CsvWriterOptions = {},
  ) {
    const lists = new Set(options.listColumns ?? []);
    this.isList = columns.map((column) => lists.has(column));
    this.dialect = DIALECTS[options.dialect ?? 'rfc4180'];
  }

  header(): string {
    return `${this.columns.map(this.dialect.cell).join(',')}${this.dialect.end}`;
  }

  /** One record per row, in column order; keys the columns do not name are left out. */
  rows(rows: Iterable<Record<string, unknown>>): string {
    const texts = new Map<string, string>();
    const lists = new Map<string, string>();
    const { columns, isList } = this;
    const { cell: toCell, listCell, end } = this.dialect;
    let out = '';
    for (const row of rows) {
      for (let i = 0; i < columns.length; i++) {
        if (i > 0) out += ',';
        const value = row[columns[i] as string];
        if (typeof value !== 'string') {
          out += toCell(value);
          continue;
        }
        const cache = isList[i] ? lists : texts;
        let cell = cache.get(value);
        if (cell === undefined) {
          cell = isList[i] ? (value === '' ? '' : listCell(value.split(','))) : toCell(value);
          cache.set(value, cell);
        }
        out += cell;
      }
      out += end;
    }
    return out;
  }
}
