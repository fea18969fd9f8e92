import { InvalidExportRequest } from './export-jobs.errors';
import { checkExportRequest, DEFAULT_BULK_EVENT_TYPES, ExportRequest } from './export-request';

const request = (fields: Partial<ExportRequest>): ExportRequest => ({
  api: 'on_demand',
  dataTypes: ['events'],
  format: 'jsonl',
  fromDay: '2026-01-01',
  toDay: '2026-01-31',
  history: '',
  eventTypes: [],
  userIds: [],
  companyIds: [],
  segmentId: '',
  exclusions: false,
  emails: [],
  filter: '',
  ...fields,
});

const refusal = (fields: Partial<ExportRequest>) => {
  try {
    checkExportRequest(request(fields));
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidExportRequest);
    return { message: (error as InvalidExportRequest).message, details: (error as InvalidExportRequest).details };
  }
  throw new Error('the request was accepted');
};

describe(checkExportRequest.name, () => {
  it('gives a Bulk API job without event types the six of seed 002 plus feedback, and an on-demand job none', () => {
    expect(checkExportRequest(request({ api: 'bulk' })).eventTypes).toEqual(DEFAULT_BULK_EVENT_TYPES);
    expect(DEFAULT_BULK_EVENT_TYPES).toEqual([
      'identify_user',
      'identify_company',
      'page_view',
      'track',
      'track_feature',
      'interaction',
      'feedback',
    ]);
    expect(checkExportRequest(request({})).eventTypes).toEqual([]);
    expect(checkExportRequest(request({ api: 'bulk', eventTypes: ['track'] })).eventTypes).toEqual(['track']);
  });

  it('defaults to events and drops repeated data types', () => {
    expect(checkExportRequest(request({ dataTypes: [] })).dataTypes).toEqual(['events']);
    expect(checkExportRequest(request({ dataTypes: ['users', 'events', 'users'] })).dataTypes).toEqual(['users', 'events']);
  });

  it("names each API's own fields when the days are wrong", () => {
    expect(refusal({ fromDay: '2026-02-30' }).message).toBe('startDate must be a date in YYYY-MM-DD format');
    expect(refusal({ api: 'bulk', toDay: '2026-1-31' }).message).toBe('to must be a date in YYYY-MM-DD format');
    expect(refusal({ fromDay: '2026-02-01' }).message).toBe('startDate must not be after endDate');
    expect(refusal({ api: 'bulk', fromDay: '2026-02-01' }).message).toBe('from must not be after to');
  });

  it('limits on-demand exports to 30 days after startDate, and the Bulk API not at all', () => {
    expect(checkExportRequest(request({ toDay: '2026-01-31' })).toDay).toBe('2026-01-31');
    expect(refusal({ toDay: '2026-02-01' }).message).toBe('endDate must be at most 30 days after startDate');
    expect(checkExportRequest(request({ api: 'bulk', toDay: '2027-12-31' })).toDay).toBe('2027-12-31');
  });

  it('takes company_features by history instead of days, never both, and history for nothing else', () => {
    const byHistory = { dataTypes: ['company_features' as const], history: '30d-daily', fromDay: '', toDay: '' };
    expect(checkExportRequest(request(byHistory)).history).toBe('30d-daily');
    expect(checkExportRequest(request({ dataTypes: ['company_features'] })).fromDay).toBe('2026-01-01');
    expect(refusal({ ...byHistory, fromDay: '2026-01-01', toDay: '2026-01-02' }).message).toBe(
      'give either history or a day range (startDate and endDate), not both',
    );
    expect(refusal({ ...byHistory, dataTypes: ['company_features', 'events'] }).message).toMatch(
      /^history applies to company_features only/,
    );
    expect(refusal({ ...byHistory, history: 'yearly' }).message).toBe(
      'history must be one of today, 30d-daily, 3m-weekly, 6m-weekly',
    );
  });

  it('lists every invalid email', () => {
    expect(refusal({ api: 'bulk', emails: ['ana@example.com', 'bob', 'c d@x.io'] })).toEqual({
      message: 'invalid emails: bob, c d@x.io',
      details: { emails: ['bob', 'c d@x.io'] },
    });
  });
});
