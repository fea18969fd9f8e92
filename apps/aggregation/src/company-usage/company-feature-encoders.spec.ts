import { COMPANY_FEATURE_LIST_COLUMNS, CsvWriter } from '@exportd/csv';
import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import { CompanyFeatureCsv } from './company-feature-csv';
import { CompanyFeatureJson } from './company-feature-json';
import { CompanyFeatureRow } from './company-usage.metrics';
import { companyFeatureRecord } from './company-usage.service';

describe('company feature row encoders', () => {
  const base: CompanyFeatureRow = {
    companyId: 'acme',
    companyName: 'Acme',
    featureName: 'Messaging',
    featureId: 'feat_1',
    date: '2026-03-01',
    firstSeen: '2026-01-01',
    lastSeen: '2026-02-27',
    firstUsed: '2026-01-02',
    lastUsed: '2026-02-02',
    starsStateLabel: 'retained',
    starsState: 3,
    frequencyLabel: 'weekly',
    frequency: 2,
    satisfactionLabel: 'very satisfied',
    satisfaction: 5,
    feedbackCount: 2,
    segmentNames: ['Big spenders', 'Pro'],
    segmentIds: ['seg_1', 'seg_2'],
  };
  const never = {
    firstUsed: null,
    lastUsed: null,
    frequencyLabel: null,
    frequency: null,
    satisfactionLabel: null,
    satisfaction: null,
  };
  const segments = { segmentNames: [], segmentIds: [] };

  const rows: CompanyFeatureRow[] = [
    base,
    { ...base, featureName: 'Slack', featureId: 'feat_2', ...never },
    { ...base, date: '2026-03-02', ...segments },
    { ...base, companyName: null },
    { ...base, companyId: 'globex', companyName: '=Globex "G"\n\u2028', featureName: 'Ünïcødé \\ /', ...never },
    { ...base, companyId: 'globex', companyName: 'Acme', segmentNames: ['a,b'], segmentIds: ['seg_"x"'] },
    { ...base, featureName: 'Messaging', featureId: 'feat_1' },
    { ...base, companyId: '+1', featureName: '-x', segmentNames: ['', '@at', 'c,=d'], segmentIds: ['', 's'] },
    { ...base, segmentNames: [''], segmentIds: [''] },
  ];

  it('writes the text JSON.stringify writes for the row as an export record, row after row', () => {
    const sut = new CompanyFeatureJson();
    for (const row of rows) expect(sut.encode(row)).toBe(JSON.stringify(companyFeatureRecord(row)));
  });

  it('writes the records CsvWriter writes for the rows as export records (segment lists as list cells)', () => {
    const writer = new CsvWriter(COMPANY_FEATURE_COLUMNS, { listColumns: COMPANY_FEATURE_LIST_COLUMNS });
    const sut = new CompanyFeatureCsv();
    for (const row of rows) expect(sut.encode(row)).toBe(writer.rows([companyFeatureRecord(row)]));
  });
});
