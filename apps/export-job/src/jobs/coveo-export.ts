import type { RowRequest } from '../worker/row-source';
import { InvalidExportRequest } from './export-jobs.errors';
import { ExportDataType } from './partition-planner';

/*
 * The Coveo-compatible exports (seed 004): an event-time window with millisecond precision, tables by Coveo's
 * names, dimensions picking the columns of every table that has them, and one zip of CSVs per job.
 */

/** EXCEL is RFC 4180 (libs/csv's default dialect); NO_NEWLINE is libs/csv's `no_newline`. */
export type CoveoCsvFormat = 'excel' | 'no_newline';

/** This platform's tables under the names a caller may use, in the zip's order; `custom_events` is the seed's name of events. */
const TABLE_DATA_TYPES: Readonly<Record<string, ExportDataType>> = {
  events: 'events',
  custom_events: 'events',
  users: 'users',
  companies: 'companies',
  feedback: 'feedback',
  company_features: 'company_features',
};
export const COVEO_TABLES = Object.keys(TABLE_DATA_TYPES);
/** The data type of a table name that checkCoveoRequest accepted. */
export function dataTypeOfTable(table: string): ExportDataType {
  const dataType = TABLE_DATA_TYPES[table];
  if (!dataType) throw new InvalidExportRequest(`unknown table ${table}`);
  return dataType;
}

/** The tables of no `tables`: every data type once, under this platform's names. */
const DEFAULT_TABLES = ['events', 'users', 'companies', 'feedback', 'company_features'];
/** The seed's search-side tables, which have no data here. */
const SEARCH_TABLES = ['searches', 'clicks', 'keywords', 'groups'];
/** Aggregation computes company_features for at most this many days (one row per company, feature and day). */
export const MAX_COMPANY_FEATURE_DAYS = 31;
const FILENAME = /^[^/\\\p{Cc}]{1,200}$/u;
const ATTRIBUTE_PREFIX = 'attributes.';

/** What a caller asks, before the rules. */
export interface CoveoExportAsked {
  timeFrom: Date | null;
  timeTo: Date | null;
  /** As the caller spelled them; empty: all of them. */
  tables: string[];
  /** Return names, in the order of the columns; empty: every column. */
  dimensions: string[];
  useDisplayNames: boolean;
  csvFormat: CoveoCsvFormat;
  filename: string;
  description: string;
  author: string;
  /** `fc`, for events only (`f` is the request's filter, for every table). */
  eventsFilter: string;
  /** `fs`: always refused, as the platform has no search or click dimensions. */
  searchFilters: string[];
}

/** One CSV of the zip: `<name>.csv`, the rows of `dataType`, the asked dimensions it has (empty: all its columns). */
export interface CoveoTable {
  name: string;
  dataType: ExportDataType;
  dimensions: string[];
}

/** What a Coveo job keeps besides the common fields: written once with the job. */
export interface CoveoExport {
  timeFrom: Date;
  timeTo: Date;
  tables: CoveoTable[];
  dimensions: string[];
  useDisplayNames: boolean;
  csvFormat: CoveoCsvFormat;
  filename: string;
  description: string;
  author: string;
  eventsFilter: string;
}

/** Per return name, the tables that have it (aggregation's dimension catalogue of the app). */
export type DimensionTables = ReadonlyMap<string, readonly string[]>;

/** The window's rules and the tables' names: what needs nothing but the request. Answers the asked tables. */
export function checkCoveoRequest(asked: CoveoExportAsked): { timeFrom: Date; timeTo: Date; tables: string[] } {
  const { timeFrom, timeTo } = asked;
  if (!timeFrom) throw new InvalidExportRequest('from is required, as YYYY-MM-DDThh:mm:ss.sssZ');
  if (!timeTo) throw new InvalidExportRequest('to is required, as YYYY-MM-DDThh:mm:ss.sssZ');
  if (timeTo.getTime() <= timeFrom.getTime()) throw new InvalidExportRequest('to must be after from');
  if (asked.searchFilters.length > 0)
    throw new InvalidExportRequest(
      'fs filters search and click dimensions, which this platform does not have: filter every table with f, events with fc',
    );
  const searchTables = asked.tables.filter((table) => SEARCH_TABLES.includes(table));
  if (searchTables.length > 0)
    throw new InvalidExportRequest(
      `this platform has no ${searchTables.join(', ')} data (no search or click events): tables are ${COVEO_TABLES.join(', ')}`,
      { tables: searchTables },
    );
  const unknown = asked.tables.filter((table) => !COVEO_TABLES.includes(table));
  if (unknown.length > 0)
    throw new InvalidExportRequest(`unknown tables: ${unknown.join(', ')} (tables are ${COVEO_TABLES.join(', ')})`, {
      tables: unknown,
    });
  if (asked.filename && !FILENAME.test(asked.filename))
    throw new InvalidExportRequest('filename must be 1 to 200 characters without /, \\ or control characters');
  const days = coveredDays(timeFrom, timeTo);
  const tooLong = daysBetween(days.fromDay, days.toDay) + 1 > MAX_COMPANY_FEATURE_DAYS;
  if (tooLong && asked.tables.includes('company_features'))
    throw new InvalidExportRequest(
      `company_features covers at most ${MAX_COMPANY_FEATURE_DAYS} days: ask for a shorter range or other tables`,
    );
  // Without `tables`, every table, but company_features only over a range it can cover.
  const tables =
    asked.tables.length > 0 ? [...new Set(asked.tables)] : DEFAULT_TABLES.filter((t) => !(tooLong && t === 'company_features'));
  const twice = tables.filter(
    (table, i) => tables.findIndex((other) => TABLE_DATA_TYPES[other] === TABLE_DATA_TYPES[table]) !== i,
  );
  if (twice.length > 0) throw new InvalidExportRequest(`tables ${twice.join(', ')} name a table already asked for`);
  return { timeFrom, timeTo, tables };
}

/**
 * Each table's share of the asked dimensions (a table gets the ones it has, `attributes.<key>` where it has
 * attributes); a dimension no asked table has is refused, naming it. A table none of whose columns was asked
 * is left out of the export.
 */
export function planCoveoTables(
  tables: readonly string[],
  dimensions: readonly string[],
  catalogue: DimensionTables,
): CoveoTable[] {
  const has = (name: string, dataType: ExportDataType) => {
    const of = name.startsWith(ATTRIBUTE_PREFIX) ? 'attributes' : name;
    return (catalogue.get(of) ?? []).includes(dataType);
  };
  const planned = tables.map((name) => {
    const dataType = dataTypeOfTable(name);
    return { name, dataType, dimensions: dimensions.filter((dimension) => has(dimension, dataType)) };
  });
  const unknown = dimensions.filter((dimension) => !planned.some((table) => table.dimensions.includes(dimension)));
  if (unknown.length > 0)
    throw new InvalidExportRequest(`unknown dimensions for tables ${tables.join(', ')}: ${unknown.join(', ')}`, {
      dimensions: unknown,
    });
  return dimensions.length > 0 ? planned.filter((table) => table.dimensions.length > 0) : planned;
}

/** The UTC days [fromDay, toDay] that the window [from, to) touches. */
export function coveredDays(from: Date, to: Date): { fromDay: string; toDay: string } {
  return { fromDay: from.toISOString().slice(0, 10), toDay: new Date(to.getTime() - 1).toISOString().slice(0, 10) };
}

function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);
}

/** The zip's object name: `<filename or job id>.zip`. */
export function zipFilename(coveo: Pick<CoveoExport, 'filename'>, jobId: string): string {
  return `${coveo.filename || jobId}.zip`;
}

/**
 * The row stream of one table of a Coveo job: the window (company_features, computed per day, gets the days
 * that cover it), `f` on every table and `fc` on events, the table's columns and header names.
 */
export function coveoRowRequest(
  appId: string,
  job: { fromDay: string; toDay: string; filter: string },
  coveo: CoveoExport,
  table: CoveoTable,
): RowRequest {
  return {
    appId,
    dataType: table.dataType,
    fromDay: job.fromDay,
    toDay: job.toDay,
    window: table.dataType === 'company_features' ? undefined : { from: coveo.timeFrom, to: coveo.timeTo },
    eventTypes: [],
    userIds: [],
    companyIds: [],
    segmentId: '',
    history: '',
    exclusions: false,
    filter: job.filter,
    moreFilters: table.dataType === 'events' && coveo.eventsFilter ? [coveo.eventsFilter] : [],
    dimensions: table.dimensions,
    useDisplayNames: coveo.useDisplayNames,
  };
}
