import { createExportBody, CreateExportOptions, dayOf } from './create-export';

const now = new Date('2024-06-15T10:00:00Z');
const options = (extra: Partial<CreateExportOptions>): CreateExportOptions => ({
  dataTypes: 'events',
  format: 'csv',
  filter: [],
  ...extra,
});

describe(createExportBody.name, () => {
  it('maps days, data types, format, filters and exclusions onto the on-demand body', () => {
    expect(
      createExportBody(
        options({
          from: '2024-06-01',
          to: 'today',
          dataTypes: 'events, users,',
          format: 'JSONL',
          filter: ["event_name == 'Opened report'", "attributes.plan IN ['pro']"],
          userIds: 'u1,u2',
          companyIds: 'c1',
          eventTypes: 'track,page_view',
          exclusions: true,
        }),
        now,
      ),
    ).toEqual({
      startDate: '2024-06-01',
      endDate: '2024-06-15',
      dataTypes: ['events', 'users'],
      format: 'jsonl',
      filter: "(event_name == 'Opened report') AND (attributes.plan IN ['pro'])",
      filters: { userIds: ['u1', 'u2'], companyIds: ['c1'], eventTypes: ['track', 'page_view'] },
      exclusions: true,
    });
  });

  it('sends one filter as given and leaves out what was not asked for', () => {
    expect(createExportBody(options({ from: '7d', to: 'yesterday', filter: ['score >= 4'] }), now)).toEqual({
      startDate: '2024-06-08',
      endDate: '2024-06-14',
      dataTypes: ['events'],
      format: 'csv',
      filter: 'score >= 4',
    });
  });

  it('takes --history instead of days (company_features), not both', () => {
    expect(createExportBody(options({ dataTypes: 'company_features', history: '30d-daily' }), now)).toEqual({
      history: '30d-daily',
      dataTypes: ['company_features'],
      format: 'csv',
    });
    expect(() => createExportBody(options({ history: 'today', from: '2024-06-01' }), now)).toThrow(
      '--history replaces --from and --to',
    );
    expect(() => createExportBody(options({ from: '2024-06-01' }), now)).toThrow('--from and --to are required');
    expect(() => createExportBody(options({ from: '1d', to: '1d', dataTypes: ' , ' }), now)).toThrow('--data-types needs');
  });
});

describe(dayOf.name, () => {
  it('reads YYYY-MM-DD, today, yesterday and <N>d in UTC', () => {
    expect(dayOf('2024-02-30', '--from', now)).toBe('2024-02-30');
    expect(dayOf('today', '--from', now)).toBe('2024-06-15');
    expect(dayOf('Yesterday', '--from', now)).toBe('2024-06-14');
    expect(dayOf('30d', '--from', now)).toBe('2024-05-16');
    expect(() => dayOf('last week', '--to', now)).toThrow('--to must be a day YYYY-MM-DD');
  });
});
