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

/** One row object -> one record, in the given column order. */
export function csvRow(columns: readonly string[], row: Record<string, unknown>): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += ',';
    line += csvCell(row[columns[i] as string]);
  }
  return `${line}\r\n`;
}
