import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import type { CompanyFeatureRow } from './company-usage.metrics';

/** `{"Company ID":`, `,"Company Name":`, ...: each column's key as it opens its member. */
const KEY = COMPANY_FEATURE_COLUMNS.map((column, i) => `${i === 0 ? '{' : ','}${JSON.stringify(column)}:`);
const MEMO_MAX = 10_000;

/**
 * Rows as the JSON text RowBatch.rows_json carries: the same text as JSON.stringify(companyFeatureRecord(row)),
 * at a fraction of the cost (the rows stream is bound by it). Rows come company by company and date by date,
 * so one encoder per stream keeps the JSON of the last company and of the last segment lists (companyRows
 * shares one pair of lists between a date's rows and never changes them), and memoises the texts that repeat
 * (features, dates, labels).
 */
export class CompanyFeatureJson {
  private companyId: string | undefined;
  private companyName: string | null = null;
  private companyJson = '';
  private segmentNames: readonly string[] | undefined;
  private segmentIds: readonly string[] | undefined;
  private segmentsJson = '';
  private readonly texts = new Map<string, string>();

  encode(row: CompanyFeatureRow): string {
    if (row.companyId !== this.companyId || row.companyName !== this.companyName) {
      this.companyId = row.companyId;
      this.companyName = row.companyName;
      this.companyJson = `${KEY[0]}${JSON.stringify(row.companyId)}${KEY[1]}${JSON.stringify(row.companyName)}`;
    }
    if (row.segmentNames !== this.segmentNames || row.segmentIds !== this.segmentIds) {
      this.segmentNames = row.segmentNames;
      this.segmentIds = row.segmentIds;
      this.segmentsJson = `${KEY[16]}${JSON.stringify(row.segmentNames.join(','))}${KEY[17]}${JSON.stringify(row.segmentIds.join(','))}}`;
    }
    return (
      this.companyJson +
      KEY[2] +
      this.text(row.featureName) +
      KEY[3] +
      this.text(row.featureId) +
      KEY[4] +
      this.text(row.date) +
      KEY[5] +
      this.text(row.firstSeen) +
      KEY[6] +
      this.text(row.lastSeen) +
      KEY[7] +
      this.text(row.firstUsed) +
      KEY[8] +
      this.text(row.lastUsed) +
      KEY[9] +
      this.text(row.starsStateLabel) +
      KEY[10] +
      JSON.stringify(row.starsState) +
      KEY[11] +
      this.text(row.frequencyLabel) +
      KEY[12] +
      JSON.stringify(row.frequency) +
      KEY[13] +
      this.text(row.satisfactionLabel) +
      KEY[14] +
      JSON.stringify(row.satisfaction) +
      KEY[15] +
      JSON.stringify(row.feedbackCount) +
      this.segmentsJson
    );
  }

  private text(value: string | null): string {
    if (value === null) return 'null';
    let json = this.texts.get(value);
    if (json === undefined) {
      if (this.texts.size >= MEMO_MAX) this.texts.clear();
      json = JSON.stringify(value);
      this.texts.set(value, json);
    }
    return json;
  }
}
