import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import { COMPANY_COLUMNS, EVENT_COLUMNS, FEEDBACK_COLUMNS, USER_COLUMNS } from '../rows/row-encoders';

/**
 * The dimension catalogue of the Coveo-compatible API: every table's exportable columns with their API name
 * (Coveo's `returnName`), display name and type, plus the attribute keys seen in an app's data. The one place
 * that says which columns a table has, in which order, and what their headers are with display names.
 */

/** The tables of the Coveo-compatible exports, in their export order. */
export const DIMENSION_TABLES = ['events', 'users', 'companies', 'feedback', 'company_features'] as const;
export type DimensionTable = (typeof DIMENSION_TABLES)[number];

/** Coveo's name for the events table (its seed calls it `custom_events`). */
const TABLE_ALIASES: Readonly<Record<string, DimensionTable>> = { custom_events: 'events' };

/** Coveo's type words; DATE is a YYYY-MM-DD day, DATETIME an ISO 8601 instant. */
export type DimensionType = 'TEXT' | 'NUMBER' | 'BOOLEAN' | 'DATE' | 'DATETIME';

/** One column of one table. */
export interface TableColumn {
  returnName: string;
  displayName: string;
  type: DimensionType;
  /** The column's key in the rows aggregation streams for the table (RowBatch.rows_json). */
  rowKey: string;
}

/** A dimension as the catalogue lists it: one per API name, with every table that has it. */
export interface Dimension {
  returnName: string;
  displayName: string;
  type: DimensionType;
  tables: DimensionTable[];
  /** The names GET accepts besides returnName: `<table>.<returnName>` (Coveo's EVENT.DIMENSION form). */
  apiNames: string[];
  /** True for `attributes.<key>`, found in a sample of the app's data. */
  custom: boolean;
}

export const ATTRIBUTE_PREFIX = 'attributes.';

type RowColumn =
  | (typeof EVENT_COLUMNS)[number]
  | (typeof FEEDBACK_COLUMNS)[number]
  | (typeof USER_COLUMNS)[number]
  | (typeof COMPANY_COLUMNS)[number];

/** Display name and type of every column of the row tables (keyed by the row encoders' names, so none is missed). */
const ROW_COLUMNS: Readonly<Record<RowColumn, { displayName: string; type: DimensionType }>> = {
  event_type: { displayName: 'Event Type', type: 'TEXT' },
  event_name: { displayName: 'Event Name', type: 'TEXT' },
  user_id: { displayName: 'User ID', type: 'TEXT' },
  company_id: { displayName: 'Company ID', type: 'TEXT' },
  timestamp: { displayName: 'Timestamp', type: 'DATETIME' },
  day: { displayName: 'Day', type: 'DATE' },
  message_id: { displayName: 'Message ID', type: 'TEXT' },
  feature_id: { displayName: 'Feature ID', type: 'TEXT' },
  feature_name: { displayName: 'Feature Name', type: 'TEXT' },
  score: { displayName: 'Score', type: 'NUMBER' },
  comment: { displayName: 'Comment', type: 'TEXT' },
  url: { displayName: 'URL', type: 'TEXT' },
  path: { displayName: 'Path', type: 'TEXT' },
  title: { displayName: 'Title', type: 'TEXT' },
  referrer: { displayName: 'Referrer', type: 'TEXT' },
  question: { displayName: 'Question', type: 'TEXT' },
  prompted_question: { displayName: 'Prompted Question', type: 'TEXT' },
  prompt_id: { displayName: 'Prompt ID', type: 'TEXT' },
  source: { displayName: 'Source', type: 'TEXT' },
  feedback_id: { displayName: 'Feedback ID', type: 'TEXT' },
  // The row's whole attribute object as JSON text; single keys are `attributes.<key>`.
  attributes: { displayName: 'Attributes', type: 'TEXT' },
  company_ids: { displayName: 'Company IDs', type: 'TEXT' },
  user_ids: { displayName: 'User IDs', type: 'TEXT' },
  first_seen: { displayName: 'First Seen', type: 'DATETIME' },
  last_seen: { displayName: 'Last Seen', type: 'DATETIME' },
};

type CompanyFeatureColumn = (typeof COMPANY_FEATURE_COLUMNS)[number];

const COMPANY_FEATURE_TYPES: Readonly<Record<CompanyFeatureColumn, DimensionType>> = {
  'Company ID': 'TEXT',
  'Company Name': 'TEXT',
  'Feature Name': 'TEXT',
  'Feature ID': 'TEXT',
  Date: 'DATE',
  'First Seen': 'DATE',
  'Last Seen': 'DATE',
  'First Used': 'DATE',
  'Last Used': 'DATE',
  'STARS State Label': 'TEXT',
  'STARS State': 'NUMBER',
  'Frequency Label': 'TEXT',
  Frequency: 'NUMBER',
  'Satisfaction Label': 'TEXT',
  Satisfaction: 'NUMBER',
  'Feedback Count': 'NUMBER',
  'Segment Names': 'TEXT',
  'Segment IDs': 'TEXT',
};

/**
 * A return name has one type across tables: users' and companies' first_seen/last_seen are instants, the
 * company data export's are days, so those two get their own names.
 */
const COMPANY_FEATURE_NAMES: Partial<Record<CompanyFeatureColumn, string>> = {
  'First Seen': 'first_seen_day',
  'Last Seen': 'last_seen_day',
};

function rowColumns(columns: readonly RowColumn[]): TableColumn[] {
  return columns.map((column) => ({ returnName: column, rowKey: column, ...ROW_COLUMNS[column] }));
}

/** `STARS State Label` -> `stars_state_label`. */
function snakeCase(header: string): string {
  return header.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

const TABLE_COLUMNS: Readonly<Record<DimensionTable, readonly TableColumn[]>> = {
  events: rowColumns(EVENT_COLUMNS),
  users: rowColumns(USER_COLUMNS),
  companies: rowColumns(COMPANY_COLUMNS),
  feedback: rowColumns(FEEDBACK_COLUMNS),
  // Company-feature rows are keyed by their header names, which are also their display names.
  company_features: COMPANY_FEATURE_COLUMNS.map((header) => ({
    returnName: COMPANY_FEATURE_NAMES[header] ?? snakeCase(header),
    displayName: header,
    type: COMPANY_FEATURE_TYPES[header],
    rowKey: header,
  })),
};

/** A table's columns in export order (what an export without `dimensions` writes). */
export function tableColumns(table: DimensionTable): readonly TableColumn[] {
  return TABLE_COLUMNS[table];
}

/** The table a Coveo `tables` value names (`custom_events` is `events`), or undefined. */
export function dimensionTable(name: string): DimensionTable | undefined {
  return (DIMENSION_TABLES as readonly string[]).includes(name) ? (name as DimensionTable) : TABLE_ALIASES[name];
}

function apiNames(returnName: string, tables: readonly DimensionTable[]): string[] {
  return tables.map((table) => `${table}.${returnName}`);
}

/** Every table's columns as dimensions, in table then column order, one per return name. */
function mergeTables(): Dimension[] {
  const byName = new Map<string, Dimension>();
  for (const table of DIMENSION_TABLES) {
    for (const column of TABLE_COLUMNS[table]) {
      const known = byName.get(column.returnName);
      if (!known) {
        const { returnName, displayName, type } = column;
        byName.set(returnName, { returnName, displayName, type, tables: [table], apiNames: [], custom: false });
      } else if (known.displayName !== column.displayName || known.type !== column.type) {
        throw new Error(`dimension ${column.returnName} of ${table} differs from its other tables`);
      } else {
        known.tables.push(table);
      }
    }
  }
  return [...byName.values()].map((dimension) => ({ ...dimension, apiNames: apiNames(dimension.returnName, dimension.tables) }));
}

/** The columns of every table, the same for every app. */
export const STATIC_DIMENSIONS: readonly Dimension[] = mergeTables();

/** An attribute key seen in a table's data, with the type of a value seen for it (the lookups' data_type). */
export interface AttributeKey {
  table: DimensionTable;
  key: string;
  dataType: string;
}

const TYPE_OF_DATA_TYPE: Readonly<Record<string, DimensionType>> = { number: 'NUMBER', boolean: 'BOOLEAN', string: 'TEXT' };

/**
 * `attributes.<key>` dimensions, sorted by key: a key's tables are those it was seen in; its type is the one
 * its non-null values agree on, else TEXT (arrays, objects and mixed values are written as text).
 */
export function attributeDimensions(keys: readonly AttributeKey[]): Dimension[] {
  const byKey = new Map<string, { tables: Set<DimensionTable>; types: Set<DimensionType> }>();
  for (const { table, key, dataType } of keys) {
    const seen = byKey.get(key) ?? { tables: new Set(), types: new Set() };
    seen.tables.add(table);
    if (dataType !== 'null') seen.types.add(TYPE_OF_DATA_TYPE[dataType] ?? 'TEXT');
    byKey.set(key, seen);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, seen]) => {
      const returnName = `${ATTRIBUTE_PREFIX}${key}`;
      const tables = DIMENSION_TABLES.filter((table) => seen.tables.has(table));
      const [only, ...others] = seen.types;
      const type = only && others.length === 0 ? only : 'TEXT';
      return { returnName, displayName: key, type, tables, apiNames: apiNames(returnName, tables), custom: true };
    });
}

/**
 * The dimension an API name names: its returnName, or `<table>.<returnName>` for a table that has it
 * (`custom_events.` for `events.`).
 */
export function findDimension(dimensions: readonly Dimension[], apiName: string): Dimension | undefined {
  const exact = dimensions.find((dimension) => dimension.returnName === apiName);
  if (exact) return exact;
  const dot = apiName.indexOf('.');
  const table = dot > 0 ? dimensionTable(apiName.slice(0, dot)) : undefined;
  if (!table) return undefined;
  const returnName = apiName.slice(dot + 1);
  return dimensions.find((dimension) => dimension.returnName === returnName && dimension.tables.includes(table));
}
