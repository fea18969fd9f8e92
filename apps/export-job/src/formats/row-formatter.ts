import { COMPANY_FEATURE_LIST_COLUMNS, CsvWriter } from '@exportd/csv';

/** The formats written as text (then compressed whole); parquet is written by its own writer. */
export type TextFormat = 'json' | 'jsonl' | 'csv';
export type ExportFormat = TextFormat | 'parquet';

/**
 * Turns batches of rows (JSON text, as aggregation sends them) into file text.
 * - `json`: one JSON array per file (`[` row `,` row ... `]`), so a file is a valid JSON document; one row
 *   per line inside the array, so it also streams line by line.
 * - `jsonl`: one JSON object per line.
 * - `csv`: a header row (the data type's column order), then one record per row, written by the same CsvWriter
 *   as the gateway's company CSV (company_features' segment lists as list cells, like that download).
 * JSON formats pass the row text through; only CSV parses it.
 */
export class RowFormatter {
  private rows = 0;
  private columns: string[] = [];
  private csv: CsvWriter | undefined;
  private headerWritten = false;

  constructor(readonly format: TextFormat) {}

  get rowCount(): number {
    return this.rows;
  }

  start(): string {
    return this.format === 'json' ? '[' : '';
  }

  batch(rowsJson: readonly string[], columns: readonly string[]): string {
    if (columns.length > 0 && this.columns.length === 0) this.columns = [...columns];
    let out = '';
    const csv = this.csvWriter();
    if (csv && !this.headerWritten) {
      out += csv.header();
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
        if (!csv) {
          if (rowsJson.length > 0) throw new Error('rows arrived before their columns');
          break;
        }
        out += csv.rows(rowsJson.map((row) => JSON.parse(row) as Record<string, unknown>));
        this.rows += rowsJson.length;
        break;
    }
    return out;
  }

  end(): string {
    if (this.format === 'json') return this.rows === 0 ? ']\n' : '\n]\n';
    const csv = this.csvWriter();
    if (csv && !this.headerWritten) return csv.header();
    return '';
  }

  /** The CSV writer, once the columns are known (they come with the first batch). */
  private csvWriter(): CsvWriter | undefined {
    if (this.format === 'csv' && !this.csv && this.columns.length > 0)
      this.csv = new CsvWriter(this.columns, { listColumns: COMPANY_FEATURE_LIST_COLUMNS });
    return this.csv;
  }
}
