import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import { COMPANY_COLUMNS, EVENT_COLUMNS, FEEDBACK_COLUMNS, USER_COLUMNS } from '../rows/row-encoders';
import {
  attributeDimensions,
  DIMENSION_TABLES,
  dimensionTable,
  findDimension,
  STATIC_DIMENSIONS,
  tableColumns,
} from './dimensions';

describe('dimension catalogue', () => {
  const byName = (name: string) => STATIC_DIMENSIONS.find((d) => d.returnName === name);

  it("lists each row table's columns in the order its rows carry them, with display names", () => {
    expect(tableColumns('events').map((c) => c.returnName)).toEqual([...EVENT_COLUMNS]);
    expect(tableColumns('users').map((c) => c.returnName)).toEqual([...USER_COLUMNS]);
    expect(tableColumns('companies').map((c) => c.returnName)).toEqual([...COMPANY_COLUMNS]);
    expect(tableColumns('feedback').map((c) => c.returnName)).toEqual([...FEEDBACK_COLUMNS]);
    expect(tableColumns('events').slice(0, 3)).toEqual([
      { returnName: 'event_type', displayName: 'Event Type', type: 'TEXT', rowKey: 'event_type' },
      { returnName: 'event_name', displayName: 'Event Name', type: 'TEXT', rowKey: 'event_name' },
      { returnName: 'user_id', displayName: 'User ID', type: 'TEXT', rowKey: 'user_id' },
    ]);
  });

  it('names the 18 company data export columns in snake case, their headers as display names and row keys', () => {
    const columns = tableColumns('company_features');
    expect(columns.map((c) => c.displayName)).toEqual([...COMPANY_FEATURE_COLUMNS]);
    expect(columns.map((c) => c.rowKey)).toEqual([...COMPANY_FEATURE_COLUMNS]);
    expect(columns.map((c) => c.returnName)).toEqual([
      'company_id',
      'company_name',
      'feature_name',
      'feature_id',
      'date',
      'first_seen_day',
      'last_seen_day',
      'first_used',
      'last_used',
      'stars_state_label',
      'stars_state',
      'frequency_label',
      'frequency',
      'satisfaction_label',
      'satisfaction',
      'feedback_count',
      'segment_names',
      'segment_ids',
    ]);
    expect(columns.find((c) => c.returnName === 'stars_state')?.type).toBe('NUMBER');
    expect(columns.find((c) => c.returnName === 'date')?.type).toBe('DATE');
  });

  it('lists one dimension per return name with every table that has the column', () => {
    const names = STATIC_DIMENSIONS.map((d) => d.returnName);
    expect(new Set(names).size).toBe(names.length);
    for (const dimension of STATIC_DIMENSIONS) {
      const having = DIMENSION_TABLES.filter((table) => tableColumns(table).some((c) => c.returnName === dimension.returnName));
      expect([dimension.returnName, dimension.tables]).toEqual([dimension.returnName, having]);
      expect(dimension.apiNames).toEqual(having.map((table) => `${table}.${dimension.returnName}`));
      expect(dimension.custom).toBe(false);
    }
    expect(byName('user_id')).toMatchObject({ displayName: 'User ID', type: 'TEXT', tables: ['events', 'users', 'feedback'] });
    expect(byName('company_id')?.tables).toEqual(['events', 'companies', 'feedback', 'company_features']);
    expect(byName('timestamp')).toMatchObject({ type: 'DATETIME', tables: ['events', 'feedback'] });
    expect(byName('first_seen')).toMatchObject({ type: 'DATETIME', tables: ['users', 'companies'] });
    expect(byName('first_seen_day')).toMatchObject({ displayName: 'First Seen', type: 'DATE', tables: ['company_features'] });
  });

  it('makes attribute keys dimensions: tables merged, the type the values agree on, else TEXT; sorted by key', () => {
    expect(
      attributeDimensions([
        { table: 'users', key: 'plan', dataType: 'string' },
        { table: 'events', key: 'plan', dataType: 'string' },
        { table: 'events', key: 'n', dataType: 'number' },
        { table: 'events', key: 'n', dataType: 'null' },
        { table: 'companies', key: 'mixed', dataType: 'number' },
        { table: 'users', key: 'mixed', dataType: 'boolean' },
        { table: 'companies', key: 'tags', dataType: 'array' },
        { table: 'companies', key: 'active', dataType: 'boolean' },
        { table: 'users', key: 'unset', dataType: 'null' },
      ]),
    ).toEqual([
      {
        returnName: 'attributes.active',
        displayName: 'active',
        type: 'BOOLEAN',
        tables: ['companies'],
        apiNames: ['companies.attributes.active'],
        custom: true,
      },
      expect.objectContaining({ returnName: 'attributes.mixed', type: 'TEXT', tables: ['users', 'companies'] }),
      expect.objectContaining({ returnName: 'attributes.n', type: 'NUMBER', tables: ['events'] }),
      expect.objectContaining({
        returnName: 'attributes.plan',
        type: 'TEXT',
        tables: ['events', 'users'],
        apiNames: ['events.attributes.plan', 'users.attributes.plan'],
      }),
      expect.objectContaining({ returnName: 'attributes.tags', type: 'TEXT' }),
      expect.objectContaining({ returnName: 'attributes.unset', type: 'TEXT' }),
    ]);
  });

  it('finds a dimension by return name or <table>.<returnName> of a table that has it', () => {
    const dimensions = [...STATIC_DIMENSIONS, ...attributeDimensions([{ table: 'events', key: 'plan', dataType: 'string' }])];
    expect(findDimension(dimensions, 'event_name')?.returnName).toBe('event_name');
    expect(findDimension(dimensions, 'users.user_id')?.returnName).toBe('user_id');
    expect(findDimension(dimensions, 'custom_events.event_name')?.returnName).toBe('event_name');
    expect(findDimension(dimensions, 'attributes.plan')?.returnName).toBe('attributes.plan');
    expect(findDimension(dimensions, 'events.attributes.plan')?.returnName).toBe('attributes.plan');
    expect(findDimension(dimensions, 'users.event_name')).toBeUndefined();
    expect(findDimension(dimensions, 'users.attributes.plan')).toBeUndefined();
    expect(findDimension(dimensions, 'searches.query')).toBeUndefined();
    expect(findDimension(dimensions, 'nope')).toBeUndefined();
  });

  it("accepts Coveo's custom_events for events and nothing it does not serve", () => {
    expect(dimensionTable('custom_events')).toBe('events');
    expect(dimensionTable('company_features')).toBe('company_features');
    expect(dimensionTable('searches')).toBeUndefined();
  });
});
