import type { SchemaDefinition } from '@dsnp/parquetjs';
import type { ExportDataType } from '../jobs/partition-planner';

/**
 * Parquet column types per data type. Every column is optional (a null stays null):
 * - text: UTF8 (ids, names, labels, event types, URLs; the company rows' comma-joined segment lists);
 * - timestamp: TIMESTAMP_MILLIS, UTC (events' and feedback's `timestamp`, users' and companies' first/last seen);
 * - date: DATE, days since 1970-01-01 (`day`; the company_features `Date`, `First/Last Seen`, `First/Last Used`);
 * - double: DOUBLE (`score`, which a tracking call may send as any number);
 * - int: INT64 (company_features `STARS State`, `Frequency`, `Satisfaction`, `Feedback Count`, integers);
 * - text_list: a repeated UTF8 field, read as a list of strings (users' `company_ids`, companies' `user_ids`);
 * - json: UTF8 holding the value's JSON text (`attributes`, the row's attribute object, and any column this
 *   table does not list, such as `attributes.<key>`), since attribute values have no fixed type.
 * Booleans would be BOOLEAN; no column of these tables is one (attribute values sit in `attributes`).
 */
export type ParquetColumnType = 'text' | 'timestamp' | 'date' | 'double' | 'int' | 'text_list' | 'json';

/** Parquet's page codec for the job's `compression`. */
export type ParquetCodec = 'GZIP' | 'UNCOMPRESSED';

const CALL_COLUMNS: Readonly<Record<string, ParquetColumnType>> = {
  event_type: 'text',
  event_name: 'text',
  user_id: 'text',
  company_id: 'text',
  timestamp: 'timestamp',
  day: 'date',
  message_id: 'text',
  feature_id: 'text',
  feature_name: 'text',
  score: 'double',
  comment: 'text',
  url: 'text',
  path: 'text',
  title: 'text',
  referrer: 'text',
  question: 'text',
  prompted_question: 'text',
  prompt_id: 'text',
  source: 'text',
  feedback_id: 'text',
  attributes: 'json',
};

const EVENT_COLUMNS = [
  'event_type', 'event_name', 'user_id', 'company_id', 'timestamp', 'day', 'message_id', 'feature_id',
  'feature_name', 'score', 'comment', 'url', 'path', 'title', 'referrer', 'attributes',
]; // prettier-ignore
const FEEDBACK_COLUMNS = [
  'user_id', 'company_id', 'feature_id', 'score', 'comment', 'question', 'prompted_question', 'prompt_id',
  'source', 'feedback_id', 'timestamp', 'day', 'message_id', 'attributes',
]; // prettier-ignore

const COMPANY_FEATURE_TYPES: Readonly<Record<string, ParquetColumnType>> = {
  'Company ID': 'text',
  'Company Name': 'text',
  'Feature Name': 'text',
  'Feature ID': 'text',
  Date: 'date',
  'First Seen': 'date',
  'Last Seen': 'date',
  'First Used': 'date',
  'Last Used': 'date',
  'STARS State Label': 'text',
  'STARS State': 'int',
  'Frequency Label': 'text',
  Frequency: 'int',
  'Satisfaction Label': 'text',
  Satisfaction: 'int',
  'Feedback Count': 'int',
  'Segment Names': 'text',
  'Segment IDs': 'text',
};

interface TableTypes {
  /** The columns in the order aggregation streams them (used when no batch arrived to tell them). */
  columns: readonly string[];
  types: Readonly<Record<string, ParquetColumnType>>;
}

export const PARQUET_TABLES: Readonly<Record<ExportDataType, TableTypes>> = {
  events: { columns: EVENT_COLUMNS, types: CALL_COLUMNS },
  feedback: { columns: FEEDBACK_COLUMNS, types: CALL_COLUMNS },
  users: {
    columns: ['user_id', 'company_ids', 'first_seen', 'last_seen', 'attributes'],
    types: { user_id: 'text', company_ids: 'text_list', first_seen: 'timestamp', last_seen: 'timestamp', attributes: 'json' },
  },
  companies: {
    columns: ['company_id', 'user_ids', 'first_seen', 'last_seen', 'attributes'],
    types: { company_id: 'text', user_ids: 'text_list', first_seen: 'timestamp', last_seen: 'timestamp', attributes: 'json' },
  },
  company_features: { columns: Object.keys(COMPANY_FEATURE_TYPES), types: COMPANY_FEATURE_TYPES },
};

const PARQUET_TYPE: Record<ParquetColumnType, 'UTF8' | 'TIMESTAMP_MILLIS' | 'DATE' | 'DOUBLE' | 'INT64'> = {
  text: 'UTF8',
  timestamp: 'TIMESTAMP_MILLIS',
  date: 'DATE',
  double: 'DOUBLE',
  int: 'INT64',
  text_list: 'UTF8',
  json: 'UTF8',
};

const MS_PER_DAY = 86_400_000;

/** A data type's Parquet schema for these columns, and the conversion of a JSON row into a Parquet record. */
export class ParquetTyping {
  /** The schema's definition (`new ParquetSchema(definition)` where parquetjs is loaded). */
  readonly definition: SchemaDefinition;
  private readonly types: ParquetColumnType[];

  constructor(
    dataType: ExportDataType,
    readonly columns: readonly string[],
    codec: ParquetCodec,
  ) {
    const known = PARQUET_TABLES[dataType].types;
    this.types = columns.map((column) => known[column] ?? 'json');
    const definition: SchemaDefinition = {};
    columns.forEach((column, i) => {
      const type = this.types[i];
      definition[column] =
        type === 'text_list'
          ? { type: PARQUET_TYPE[type], repeated: true, compression: codec }
          : { type: PARQUET_TYPE[type], optional: true, compression: codec };
    });
    this.definition = definition;
  }

  /**
   * The typing of a stored file's columns (a rewrite): the data type whose columns they are (a column's type
   * is the same in every table that has it, so events and feedback agree), else events' (other columns: json).
   */
  static forColumns(columns: readonly string[], codec: ParquetCodec): ParquetTyping {
    const order: ExportDataType[] = ['events', 'feedback', 'users', 'companies', 'company_features'];
    const dataType = order.find((type) => columns.every((column) => column in PARQUET_TABLES[type].types)) ?? 'events';
    return new ParquetTyping(dataType, columns, codec);
  }

  /** The Parquet record of one row as aggregation sends it (a JSON object keyed by the columns). */
  record(row: Record<string, unknown>): Record<string, unknown> {
    const record: Record<string, unknown> = {};
    this.columns.forEach((column, i) => {
      const value = row[column];
      const type = this.types[i];
      if (type === 'text_list') {
        record[column] = Array.isArray(value) ? value.map(String) : [];
        return;
      }
      if (value === null || value === undefined) return;
      record[column] = convert(type, value, column);
    });
    return record;
  }
}

function convert(type: ParquetColumnType, value: unknown, column: string): unknown {
  switch (type) {
    case 'text':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'json':
      return JSON.stringify(value);
    case 'double':
      if (typeof value !== 'number') throw new Error(`column ${column}: ${JSON.stringify(value)} is not a number`);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw new Error(`column ${column}: ${JSON.stringify(value)} is not an integer`);
      return BigInt(value);
    case 'timestamp': {
      const time = typeof value === 'string' ? Date.parse(value) : NaN;
      if (Number.isNaN(time)) throw new Error(`column ${column}: ${JSON.stringify(value)} is not a timestamp`);
      return new Date(time);
    }
    case 'date': {
      const time = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
      if (Number.isNaN(time)) throw new Error(`column ${column}: ${JSON.stringify(value)} is not a YYYY-MM-DD day`);
      return time / MS_PER_DAY;
    }
    case 'text_list':
      return value;
  }
}
