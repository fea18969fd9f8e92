import { csvRecord, csvRow } from '@exportd/csv';

export type ExportFormat = 'json' | 'jsonl' | 'csv';

export const FILE_EXTENSION: Record<ExportFormat, string> = { json: 'json.gz', jsonl: 'jsonl.gz', csv: 'csv.gz' };

/**
 * Turns batches of rows (JSON text, as aggregation sends them) into file text.
 * - `json`: one JSON array per file (`[` row `,` row ... `]`), so a file is a valid JSON document; one row
 *   per line inside the array, so it also streams line by line.
 * - `jsonl`: one JSON object per line.
 * - `csv`: a header row (the dataset's column order), then one record per row.
 * JSON formats pass the row text through; only CSV parses it.
 */
export class RowFormatter {
  private rows = 0;
  private columns: string[] = [];
  private headerWritten = false;

  constructor(readonly format: ExportFormat) {}

  get rowCount(): number {
    return this.rows;
  }

  start(): string {
    return this.format === 'json' ? '[' : '';
  }

  batch(rowsJson: readonly string[], columns: readonly string[]): string {
    if (columns.length > 0 && this.columns.length === 0) this.columns = [...columns];
    let out = '';
    if (this.format === 'csv' && !this.headerWritten && this.columns.length > 0) {
      out += csvRecord(this.columns);
      this.headerWritten = true;
    }
    switch (this.format) {
      case 'json':
        for (const row of rowsJson) {
          out += this.rows === 0 ? `\n${row}` : `,\n${row}`;
          this.rows++;
        }
        break;
      case 'jsonl':
        for (const row of rowsJson) {
          out += `${row}\n`;
          this.rows++;
        }
        break;
      case 'csv':
        for (const row of rowsJson) {
          out += csvRow(this.columns, JSON.parse(row) as Record<string, unknown>);
          this.rows++;
        }
        break;
    }
    return out;
  }

  end(): string {
    if (this.format === 'json') return this.rows === 0 ? ']\n' : '\n]\n';
    if (this.format === 'csv' && !this.headerWritten && this.columns.length > 0) return csvRecord(this.columns);
    return '';
  }
}
