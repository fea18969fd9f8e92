import { checkCoveoRequest, CoveoExportAsked, coveredDays, planCoveoTables } from './coveo-export';
import { InvalidExportRequest } from './export-jobs.errors';

const asked = (fields: Partial<CoveoExportAsked> = {}): CoveoExportAsked => ({
  timeFrom: new Date('2026-03-01T10:00:00.000Z'),
  timeTo: new Date('2026-03-02T10:00:00.000Z'),
  tables: [],
  dimensions: [],
  useDisplayNames: false,
  csvFormat: 'excel',
  filename: '',
  description: '',
  author: '',
  eventsFilter: '',
  searchFilters: [],
  ...fields,
});

describe(checkCoveoRequest.name, () => {
  it('needs from before to', () => {
    expect(() => checkCoveoRequest(asked({ timeFrom: null }))).toThrow('from is required');
    expect(() => checkCoveoRequest(asked({ timeTo: null }))).toThrow('to is required');
    const at = new Date('2026-03-01T10:00:00.000Z');
    expect(() => checkCoveoRequest(asked({ timeFrom: at, timeTo: at }))).toThrow('to must be after from');
  });

  it('refuses the seed search tables and fs, saying this platform has no such data', () => {
    expect(() => checkCoveoRequest(asked({ tables: ['events', 'searches', 'clicks'] }))).toThrow(
      'this platform has no searches, clicks data',
    );
    expect(() => checkCoveoRequest(asked({ searchFilters: ["searchcausev2=='x'"] }))).toThrow(
      'fs filters search and click dimensions, which this platform does not have',
    );
    expect(() => checkCoveoRequest(asked({ tables: ['things'] }))).toThrow(InvalidExportRequest);
    expect(() => checkCoveoRequest(asked({ tables: ['events', 'custom_events'] }))).toThrow('custom_events');
  });

  it('defaults to every table, company_features only over at most 31 days', () => {
    expect(checkCoveoRequest(asked()).tables).toEqual(['events', 'users', 'companies', 'feedback', 'company_features']);
    const long = { timeFrom: new Date('2026-01-01T00:00:00Z'), timeTo: new Date('2026-03-01T00:00:00Z') };
    expect(checkCoveoRequest(asked(long)).tables).toEqual(['events', 'users', 'companies', 'feedback']);
    expect(() => checkCoveoRequest(asked({ ...long, tables: ['company_features'] }))).toThrow('at most 31 days');
  });

  it('keeps custom_events as spelled', () => {
    expect(checkCoveoRequest(asked({ tables: ['custom_events', 'users'] })).tables).toEqual(['custom_events', 'users']);
  });

  it('refuses a filename that could leave its folder', () => {
    expect(() => checkCoveoRequest(asked({ filename: '../x' }))).toThrow('filename');
    expect(checkCoveoRequest(asked({ filename: 'March export' })).tables).toHaveLength(5);
  });
});

describe(planCoveoTables.name, () => {
  const catalogue = new Map([
    ['user_id', ['events', 'users', 'feedback']],
    ['event_name', ['events']],
    ['attributes', ['events', 'users', 'companies']],
  ]);

  it('gives each table the asked dimensions it has, in the asked order, and leaves out a table with none', () => {
    expect(
      planCoveoTables(['custom_events', 'users', 'feedback'], ['event_name', 'user_id', 'attributes.plan'], catalogue),
    ).toEqual([
      { name: 'custom_events', dataType: 'events', dimensions: ['event_name', 'user_id', 'attributes.plan'] },
      { name: 'users', dataType: 'users', dimensions: ['user_id', 'attributes.plan'] },
      { name: 'feedback', dataType: 'feedback', dimensions: ['user_id'] },
    ]);
    expect(planCoveoTables(['events', 'companies'], ['event_name'], catalogue).map((t) => t.name)).toEqual(['events']);
  });

  it('names the dimensions no asked table has', () => {
    expect(() => planCoveoTables(['users'], ['user_id', 'event_name', 'nope'], catalogue)).toThrow(
      'unknown dimensions for tables users: event_name, nope',
    );
  });

  it('without dimensions, every column of every table', () => {
    expect(planCoveoTables(['users'], [], new Map())).toEqual([{ name: 'users', dataType: 'users', dimensions: [] }]);
  });
});

describe(coveredDays.name, () => {
  it('covers the UTC days of [from, to): a window ending at midnight does not touch the next day', () => {
    expect(coveredDays(new Date('2026-03-01T23:59:59.999Z'), new Date('2026-03-03T00:00:00.000Z'))).toEqual({
      fromDay: '2026-03-01',
      toDay: '2026-03-02',
    });
  });
});
