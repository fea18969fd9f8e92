import { csvCell, csvListCell } from '@exportd/csv';
import type { CompanyFeatureRow } from './company-usage.metrics';

const MEMO_MAX = 10_000;

/**
 * Rows as the CSV records of the company data download: the same text as CsvWriter (with the segment columns
 * as list cells) writes for companyFeatureRecord(row), without building the record. Like CompanyFeatureJson,
 * one encoder per stream keeps the cells of the last company and of the last segment lists, and memoises the
 * texts that repeat (features, dates, labels).
 */
export class CompanyFeatureCsv {
  private companyId: string | undefined;
  private companyName: string | null = null;
  private companyCells = '';
  private segmentNames: readonly string[] | undefined;
  private segmentIds: readonly string[] | undefined;
  private segmentCells = '';
  private readonly texts = new Map<string, string>();

  encode(row: CompanyFeatureRow): string {
    if (row.companyId !== this.companyId || row.companyName !== this.companyName) {
      this.companyId = row.companyId;
      this.companyName = row.companyName;
      this.companyCells = `${csvCell(row.companyId)},${csvCell(row.companyName)},`;
    }
    if (row.segmentNames !== this.segmentNames || row.segmentIds !== this.segmentIds) {
      this.segmentNames = row.segmentNames;
      this.segmentIds = row.segmentIds;
      this.segmentCells = `${listCell(row.segmentNames)},${listCell(row.segmentIds)}\r\n`;
    }
    return (
      this.companyCells +
      this.text(row.featureName) +
      ',' +
      this.text(row.featureId) +
      ',' +
      this.text(row.date) +
      ',' +
      this.text(row.firstSeen) +
      ',' +
      this.text(row.lastSeen) +
      ',' +
      this.text(row.firstUsed) +
      ',' +
      this.text(row.lastUsed) +
      ',' +
      this.text(row.starsStateLabel) +
      ',' +
      row.starsState +
      ',' +
      this.text(row.frequencyLabel) +
      ',' +
      (row.frequency ?? '') +
      ',' +
      this.text(row.satisfactionLabel) +
      ',' +
      (row.satisfaction ?? '') +
      ',' +
      row.feedbackCount +
      ',' +
      this.segmentCells
    );
  }

  private text(value: string | null): string {
    if (value === null) return '';
    let cell = this.texts.get(value);
    if (cell === undefined) {
      if (this.texts.size >= MEMO_MAX) this.texts.clear();
      cell = csvCell(value);
      this.texts.set(value, cell);
    }
    return cell;
  }
}

/** As CsvWriter writes a list column: the comma-joined text split again into items. */
function listCell(values: readonly string[]): string {
  const text = values.join(',');
  return text === '' ? '' : csvListCell(text.split(','));
}
