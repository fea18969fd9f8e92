/**
 * The company data export (seed 000): one row per company, feature and date, with these 18 columns in this
 * order. Aggregation keys its export records by them; the gateway writes them as the CSV header.
 */
export const COMPANY_FEATURE_COLUMNS = [
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
