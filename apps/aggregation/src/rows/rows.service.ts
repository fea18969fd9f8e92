import { Injectable } from '@nestjs/common';
import { analytics, rowFilter } from '@exportd/contracts';
import { compileFilter, evaluateFilter, FilterNode } from '@exportd/filter';
import {
  CallType,
  CompanyProfileRecord,
  EXPORT_EVENT_TYPE,
  TRACK_FEATURE_EVENT_TYPE,
  TrackingCallRecord,
  UserProfileRecord,
  utcDay,
} from '@exportd/records';
import { CompanyFeatureCsv } from '../company-usage/company-feature-csv';
import { CompanyFeatureJson } from '../company-usage/company-feature-json';
import { CompanyFeatureRow, dayNumber } from '../company-usage/company-usage.metrics';
import { CompanyScope } from '../company-usage/company-usage.repository';
import {
  COMPANY_FEATURE_COLUMNS,
  companyFeatureRecord,
  CompanyUsageService,
  featureRule,
} from '../company-usage/company-usage.service';
import { ruleEvents } from '../company-usage/company-usage.metrics';
import { FeaturesService } from '../features/features.service';
import { ExclusionsService } from '../exclusions/exclusions.service';
import { NamedFiltersService } from '../named-filters/named-filters.service';
import { SegmentsService } from '../segments/segments.service';
import { FilterDataType, QUERY_FIELDS, rowForFilter } from './row-filter';
import {
  COMPANY_COLUMNS,
  COMPANY_VALUES,
  ColumnValues,
  encodeCompanyRow,
  encodeEventRow,
  encodeFeedbackRow,
  encodeUserRow,
  EVENT_COLUMNS,
  EVENT_VALUES,
  FEEDBACK_COLUMNS,
  FEEDBACK_VALUES,
  TrackedFeature,
  USER_COLUMNS,
  USER_VALUES,
} from './row-encoders';
import { rowProjection } from './row-projection';
import { DataTypeNotAvailable, InvalidRowFilter } from './rows.errors';
import {
  daysOf,
  ReceptionWindow,
  receivedDaysOf,
  RowDataType,
  RowQuery,
  RowsRepository,
  TimeWindow,
  typeFilteredInProcess,
} from './rows.repository';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const DEFAULT_BATCH_SIZE = 500;
export const MAX_BATCH_SIZE = 5000;
/** The longest day range (inclusive) of company_features rows: one row per company, feature and day. */
export const MAX_COMPANY_FEATURE_DAYS = 31;
/** The most UTC days a reception window may touch (one query each). */
export const MAX_RECEIVED_DAYS = 31;

/** Export event type -> call type (the inverse of EXPORT_EVENT_TYPE). Types this platform has no data for match nothing. */
const CALL_TYPE_BY_EVENT_TYPE = new Map<string, CallType>(
  (Object.entries(EXPORT_EVENT_TYPE) as [CallType, string][]).map(([callType, eventType]) => [eventType, callType]),
);

/** The columns a stream sends and each row's text: its rows_json object, or its rows_csv record (`csv`). */
export interface RowEncoding<Row> {
  columns: readonly string[];
  encode(row: Row): string;
  csv?: boolean;
}

/**
 * Which columns a stream sends, by dimension return name (none: every column), and how they are named;
 * `csv`: as CSV records (RowBatch.rows_csv) instead of JSON objects.
 */
export interface ColumnSelection {
  dimensions: readonly string[];
  useDisplayNames: boolean;
  csv?: boolean;
}

/** Every column, named as the data type's rows have always been named. */
export const ALL_COLUMNS: ColumnSelection = { dimensions: [], useDisplayNames: false };

/** Company-by-feature rows, computed in batches by CompanyUsageService, the row filter already applied. */
export interface CompanyFeatureRows {
  dataType: 'company_features';
  batches: AsyncIterable<CompanyFeatureRow[]>;
  encoding: RowEncoding<CompanyFeatureRow>;
}

/** A row query, the part of its row filter tested on each row (what the query cannot answer), its encoding. */
export interface FilteredRowQuery extends RowQuery {
  residual?: FilterNode;
  encoding: RowEncoding<unknown>;
  /**
   * Events asked with `track_feature`: per event name, the features whose event rule it matches; each
   * matching `track` call adds one track_feature row per feature. `trackRows` false: the track calls
   * themselves were not asked for (only their track_feature rows).
   */
  trackedFeatures?: ReadonlyMap<string, readonly TrackedFeature[]>;
  trackRows?: boolean;
}

/** Where a row stream writes: `write` answers false when the reader is behind (then wait for `drained`). */
export interface RowSink {
  write(batch: analytics.RowBatch): boolean;
  drained(): Promise<void>;
  cancelled(): boolean;
}

@Injectable()
export class RowsService {
  constructor(
    private readonly rows: RowsRepository,
    private readonly exclusions: ExclusionsService,
    private readonly companyUsage: CompanyUsageService,
    private readonly segments: SegmentsService,
    private readonly namedFilters: NamedFiltersService,
    private readonly features: FeaturesService,
  ) {}

  /** Validates a request into what its stream reads; throws before any row is sent. */
  async open(
    appId: string,
    dataType: analytics.DataType,
    filter: analytics.RowFilter | undefined,
    batchSize?: number,
    selection: ColumnSelection = ALL_COLUMNS,
  ): Promise<FilteredRowQuery | CompanyFeatureRows> {
    if (!appId) throw new InvalidRowFilter('app_id is required');
    const name = dataTypeName(dataType);
    const rowFilter = filter ?? EMPTY_FILTER;
    // Absent timestamps arrive as null from the gRPC server's loader, as undefined from a direct call.
    const windowed = Boolean(rowFilter.timeFrom || rowFilter.timeTo);
    if (windowed && name === 'company_features')
      throw new InvalidRowFilter('company_features takes days or a history, not a time window');
    if (windowed && (rowFilter.receivedFrom || rowFilter.receivedTo))
      throw new InvalidRowFilter(
        'give either a reception window (received_from..received_to) or a time window (time_from..time_to)',
      );
    if (selection.csv && name !== 'company_features') throw new InvalidRowFilter('csv rows are sent for company_features only');
    const received = receptionWindow(rowFilter);
    if (received && name !== 'events' && name !== 'feedback')
      throw new InvalidRowFilter('incremental exports hold events and feedback only');
    return name === 'company_features'
      ? this.companyFeatureRows(appId, rowFilter, batchSize, selection)
      : this.query(appId, name, rowFilter, received, selection);
  }

  /**
   * How many rows the stream of this request would send: counted in the database when the whole filter is
   * in the query, else while reading the rows (a call type or row filter tested on each row).
   */
  async count(appId: string, dataType: analytics.DataType, filter: analytics.RowFilter | undefined): Promise<number> {
    const source = await this.open(appId, dataType, filter);
    let count = 0;
    if (source.dataType === 'company_features') {
      for await (const rows of source.batches) count += rows.length;
      return count;
    }
    if (source.trackedFeatures) {
      // Derived rows: counted as the stream sends them.
      await this.stream(source, {
        write: (batch) => ((count += batch.rowsJson.length), true),
        drained: async () => undefined,
        cancelled: () => false,
      });
      return count;
    }
    const types = typeFilteredInProcess(source) ? new Set<string>(source.callTypes) : null;
    const { residual } = source;
    if (!types && !residual) return this.rows.count(source);
    // Without a residual only the type is tested: read nothing else.
    const cursor = this.rows.cursor(source, 1000, residual ? undefined : { type: 1 });
    try {
      for await (const doc of cursor) {
        if (types && !types.has((doc as { type?: string }).type ?? '')) continue;
        if (residual && !evaluateFilter(residual, rowForFilter(source.encoding.encode(doc)))) continue;
        count++;
      }
    } finally {
      await cursor.close();
    }
    return count;
  }

  /**
   * The company_features data type: the 18 columns of the company data export, for the dates of one history
   * option or for every day of a range, as of each date. company_ids, segment_id and the excluded companies
   * narrow the companies read; row filter expressions (over the 18 columns) are tested on each row.
   * event_types and user_ids do not apply to company rows, nor do excluded users.
   */
  private async companyFeatureRows(
    appId: string,
    filter: analytics.RowFilter,
    batchSize: number | undefined,
    selection: ColumnSelection,
  ): Promise<CompanyFeatureRows> {
    const encoding = companyFeatureEncoding(selection);
    const dates = this.companyFeatureDates(filter);
    const rowFilter = await this.namedFilters.rowFilter(appId, ['company_features'], filter.expressions);
    const companies = await this.companyRestriction(appId, filter);
    const scope: CompanyScope = {
      only: companies.restricted ? companies.companyIds : undefined,
      excluded: filter.applyExclusions ? (await this.exclusions.get(appId)).companyIds : [],
    };
    const batches = this.companyUsage.streamRows(appId, dates, scope, batchSize);
    return {
      dataType: 'company_features',
      batches: rowFilter
        ? (async function* () {
            for await (const rows of batches) yield rows.filter((row) => evaluateFilter(rowFilter, companyFeatureRecord(row)));
          })()
        : batches,
      encoding,
    };
  }

  /** A history option's dates, or every day of from_day..to_day: one or the other, never both. */
  private companyFeatureDates(filter: analytics.RowFilter): string[] {
    const ranged = filter.fromDay !== '' || filter.toDay !== '';
    if (filter.history && ranged) throw new InvalidRowFilter('give either history or from_day..to_day');
    if (filter.history) return this.companyUsage.dates(filter.history);
    if (!ranged) throw new InvalidRowFilter('company_features needs either history or from_day and to_day');
    const range = dayRange(filter);
    const days = dayNumber(range.toDay) - dayNumber(range.fromDay) + 1;
    if (days > MAX_COMPANY_FEATURE_DAYS)
      throw new InvalidRowFilter(
        `from_day..to_day is ${days} days; company_features takes at most ${MAX_COMPANY_FEATURE_DAYS} days (or a history)`,
      );
    return daysOf(range);
  }

  /**
   * The companies a row filter restricts rows to: its company_ids, intersected with the members of its segment
   * (evaluated on the companies' current attributes). `restricted` false: no restriction.
   */
  private async companyRestriction(
    appId: string,
    filter: analytics.RowFilter,
  ): Promise<{ companyIds: string[]; restricted: boolean }> {
    if (!filter.segmentId) return { companyIds: filter.companyIds, restricted: filter.companyIds.length > 0 };
    const members = new Set(await this.segments.memberCompanyIds(appId, filter.segmentId));
    const companyIds = filter.companyIds.length > 0 ? filter.companyIds.filter((id) => members.has(id)) : [...members];
    return { companyIds, restricted: true };
  }

  /** Validates a row filter of a table data type into a query. */
  private async query(
    appId: string,
    dataType: RowDataType,
    filter: analytics.RowFilter,
    received: ReceptionWindow | undefined,
    selection: ColumnSelection,
  ): Promise<FilteredRowQuery> {
    const encoding = rowEncoding(dataType, selection);
    const timed = timeWindow(filter);
    const { fromDay, toDay } = received ? { fromDay: '', toDay: '' } : (timed ?? dayRange(filter));
    let callTypes: CallType[] = [];
    let derived: Pick<FilteredRowQuery, 'trackedFeatures' | 'trackRows'> = {};
    if (dataType === 'events') {
      const asked = filter.eventTypes;
      callTypes = asked.length
        ? [
            ...new Set(
              asked.flatMap((t): CallType[] => {
                if (t === TRACK_FEATURE_EVENT_TYPE) return ['event']; // derived from the track calls
                const callType = CALL_TYPE_BY_EVENT_TYPE.get(t);
                return callType ? [callType] : [];
              }),
            ),
          ]
        : ['user', 'company', 'event', 'page'];
      if (asked.includes(TRACK_FEATURE_EVENT_TYPE)) {
        if (selection.dimensions.length > 0 || selection.useDisplayNames)
          throw new InvalidRowFilter('track_feature rows are sent with every column, by their names');
        derived = { trackedFeatures: await this.trackedFeatures(appId), trackRows: asked.includes(EXPORT_EVENT_TYPE.event) };
      }
    } else if (dataType === 'feedback') {
      callTypes = ['feedback'];
    }
    const excluded = filter.applyExclusions ? await this.exclusions.get(appId) : { userIds: [], companyIds: [] };
    const companies = await this.companyRestriction(appId, filter);
    // The row filter: checked like at creation (a named filter may have changed since), then split into
    // query conditions and the rest, tested on each row.
    const tree = await this.namedFilters.rowFilter(appId, [dataType], filter.expressions);
    const compiled = tree ? compileFilter(tree, QUERY_FIELDS[dataType]) : { conditions: [] };
    return {
      appId,
      dataType,
      fromDay,
      toDay,
      ...(received ? { received } : {}),
      ...(timed ? { window: timed.window } : {}),
      callTypes,
      userIds: filter.userIds,
      companyIds: companies.companyIds,
      companiesRestricted: companies.restricted,
      excludedUserIds: excluded.userIds,
      excludedCompanyIds: excluded.companyIds,
      conditions: compiled.conditions,
      residual: compiled.residual,
      encoding,
      ...derived,
    };
  }

  /** Per event name, the app's features whose event rule names it (attribute rules have no events). */
  private async trackedFeatures(appId: string): Promise<Map<string, TrackedFeature[]>> {
    const byEvent = new Map<string, TrackedFeature[]>();
    for (const feature of (await this.features.list(appId)).map(featureRule))
      for (const event of ruleEvents(feature))
        byEvent.set(event, [...(byEvent.get(event) ?? []), { id: feature.id, name: feature.name }]);
    return byEvent;
  }

  /**
   * Streams the rows in batches; waits whenever the sink is full, so memory stays bounded by a few batches
   * whatever the size of the result. Columns go with the first batch (also when there are no rows).
   */
  async stream(query: FilteredRowQuery | CompanyFeatureRows, sink: RowSink, batchSize = DEFAULT_BATCH_SIZE): Promise<void> {
    if (query.dataType === 'company_features') {
      let columns: string[] = [...query.encoding.columns];
      const { encode, csv } = query.encoding;
      for await (const rows of query.batches) {
        if (sink.cancelled()) return;
        const texts = rows.map((row) => encode(row));
        const full = !sink.write(
          csv ? { rowsJson: [], rowsCsv: texts.join(''), columns } : { rowsJson: texts, rowsCsv: '', columns },
        );
        columns = [];
        if (full) await sink.drained();
      }
      if (columns.length > 0) sink.write({ rowsJson: [], rowsCsv: '', columns });
      return;
    }
    const size = Math.min(Math.max(batchSize || DEFAULT_BATCH_SIZE, 1), MAX_BATCH_SIZE);
    const { encoding } = query;
    // The residual filter sees rows as the default encoding writes them, whatever the columns sent.
    const filterEncode = encoderFor(query.dataType);
    const projected = encoding.encode !== filterEncode;
    let columns: string[] = [...encoding.columns];
    let rows: string[] = [];
    const cursor = this.rows.cursor(query, Math.max(size, 1000));
    const types = typeFilteredInProcess(query) ? new Set<string>(query.callTypes) : null;
    const residual = query.residual;
    const { trackedFeatures, trackRows = true } = query;
    const flush = async () => {
      const full = !sink.write({ rowsJson: rows, rowsCsv: '', columns });
      columns = [];
      rows = [];
      if (full) await sink.drained();
    };
    try {
      for await (const doc of cursor) {
        if (sink.cancelled()) return;
        if (types && !types.has((doc as { type?: string }).type ?? '')) continue;
        const call = doc as unknown as TrackingCallRecord;
        if (!trackedFeatures || call.type !== 'event' || trackRows) {
          if (residual) {
            const row = filterEncode(doc);
            if (evaluateFilter(residual, rowForFilter(row))) rows.push(projected ? encoding.encode(doc) : row);
          } else {
            rows.push(encoding.encode(doc));
          }
        }
        if (trackedFeatures && call.type === 'event') {
          for (const feature of trackedFeatures.get(call.event ?? '') ?? []) {
            const row = encodeEventRow(call, feature);
            if (!residual || evaluateFilter(residual, rowForFilter(row))) rows.push(row);
          }
        }
        if (rows.length >= size) await flush();
      }
      if (rows.length > 0 || columns.length > 0) await flush();
    } finally {
      await cursor.close();
    }
  }
}

export function dataTypeName(dataType: analytics.DataType): FilterDataType {
  switch (dataType) {
    case analytics.DataType.DATA_TYPE_EVENTS:
      return 'events';
    case analytics.DataType.DATA_TYPE_FEEDBACK:
      return 'feedback';
    case analytics.DataType.DATA_TYPE_USERS:
      return 'users';
    case analytics.DataType.DATA_TYPE_COMPANIES:
      return 'companies';
    case analytics.DataType.DATA_TYPE_COMPANY_FEATURES:
      return 'company_features';
    case analytics.DataType.DATA_TYPE_UNSPECIFIED:
      throw new InvalidRowFilter('data_type is required');
    default:
      throw new DataTypeNotAvailable(String(dataType));
  }
}

const EMPTY_FILTER = rowFilter();

/** A real UTC day as YYYY-MM-DD (2026-02-30 is not one). */
function isDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const at = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().startsWith(text);
}

/**
 * received_from..received_to of a row filter, undefined when it has neither: both, in order, on at most
 * MAX_RECEIVED_DAYS UTC days, and no from_day or to_day beside them.
 */
function receptionWindow(filter: analytics.RowFilter): ReceptionWindow | undefined {
  const { receivedFrom: from, receivedTo: to } = filter;
  if (!from && !to) return undefined;
  if (!isInstant(from) || !isInstant(to)) throw new InvalidRowFilter('received_from and received_to go together');
  if (from >= to) throw new InvalidRowFilter('received_from must be before received_to');
  if (filter.fromDay !== '' || filter.toDay !== '')
    throw new InvalidRowFilter('a reception window (received_from..received_to) takes no from_day or to_day');
  const window = { from, to };
  const days = receivedDaysOf(window).length;
  if (days > MAX_RECEIVED_DAYS)
    throw new InvalidRowFilter(`received_from..received_to spans ${days} days; at most ${MAX_RECEIVED_DAYS} days`);
  return window;
}

function isInstant(value: Date | undefined): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/**
 * time_from..time_to of a row filter, undefined when it has neither: both, in order, and from_day..to_day
 * covering its UTC days. fromDay..toDay are the window's own days (the only days with rows in it).
 */
function timeWindow(filter: analytics.RowFilter): { window: TimeWindow; fromDay: string; toDay: string } | undefined {
  const { timeFrom: from, timeTo: to } = filter;
  if (!from && !to) return undefined;
  if (!isInstant(from) || !isInstant(to)) throw new InvalidRowFilter('time_from and time_to go together');
  if (from >= to) throw new InvalidRowFilter('time_from must be before time_to');
  const first = utcDay(from);
  const last = utcDay(new Date(to.getTime() - 1));
  if (filter.fromDay === '' || filter.toDay === '')
    throw new InvalidRowFilter(
      `a time window (time_from..time_to) needs from_day and to_day covering its days, ${first}..${last}`,
    );
  const days = dayRange(filter);
  if (days.fromDay > first || days.toDay < last)
    throw new InvalidRowFilter(
      `from_day..to_day (${days.fromDay}..${days.toDay}) must cover the UTC days of time_from..time_to (${first}..${last})`,
    );
  return { window: { from, to }, fromDay: first, toDay: last };
}

/** from_day..to_day of a row filter, both required, in order. */
function dayRange(filter: analytics.RowFilter): { fromDay: string; toDay: string } {
  const { fromDay, toDay } = filter;
  if (!isDay(fromDay) || !isDay(toDay)) throw new InvalidRowFilter('from_day and to_day must be YYYY-MM-DD');
  if (fromDay > toDay) throw new InvalidRowFilter('from_day must not be after to_day');
  return { fromDay, toDay };
}

function columnsFor(dataset: RowDataType): readonly string[] {
  switch (dataset) {
    case 'events':
      return EVENT_COLUMNS;
    case 'feedback':
      return FEEDBACK_COLUMNS;
    case 'users':
      return USER_COLUMNS;
    case 'companies':
      return COMPANY_COLUMNS;
  }
}

/** The default encoding of a data type (its hand-written encoder), or the columns the selection picks. */
function rowEncoding(dataType: RowDataType, selection: ColumnSelection): RowEncoding<unknown> {
  if (selection.dimensions.length === 0 && !selection.useDisplayNames)
    return { columns: columnsFor(dataType), encode: encoderFor(dataType) };
  return rowProjection(dataType, selection.dimensions, selection.useDisplayNames, valuesFor(dataType));
}

function valuesFor(dataType: RowDataType): ColumnValues<unknown> {
  switch (dataType) {
    case 'events':
      return EVENT_VALUES as ColumnValues<unknown>;
    case 'feedback':
      return FEEDBACK_VALUES as ColumnValues<unknown>;
    case 'users':
      return USER_VALUES as ColumnValues<unknown>;
    case 'companies':
      return COMPANY_VALUES as ColumnValues<unknown>;
  }
}

type CompanyFeatureRecord = ReturnType<typeof companyFeatureRecord>;

/** Company-feature rows are keyed by their headers; each value is written as the record holds it. */
const COMPANY_FEATURE_VALUES: ColumnValues<CompanyFeatureRecord> = {
  values: Object.fromEntries(
    COMPANY_FEATURE_COLUMNS.map((header) => [header, (record: CompanyFeatureRecord) => JSON.stringify(record[header])]),
  ),
};

/** The company data export's encoding (one encoder per stream: it keeps state), or the selection's columns. */
function companyFeatureEncoding(selection: ColumnSelection): RowEncoding<CompanyFeatureRow> {
  const allColumns = selection.dimensions.length === 0 && !selection.useDisplayNames;
  if (selection.csv) {
    if (!allColumns) throw new InvalidRowFilter('csv rows are sent with every column, by their names');
    const csv = new CompanyFeatureCsv();
    return { columns: COMPANY_FEATURE_COLUMNS, encode: (row) => csv.encode(row), csv: true };
  }
  if (allColumns) {
    const json = new CompanyFeatureJson();
    return { columns: COMPANY_FEATURE_COLUMNS, encode: (row) => json.encode(row) };
  }
  const projection = rowProjection('company_features', selection.dimensions, selection.useDisplayNames, COMPANY_FEATURE_VALUES);
  return { columns: projection.columns, encode: (row) => projection.encode(companyFeatureRecord(row)) };
}

/** The default encoders, one function each, so a stream can tell whether its encoding is the default. */
const ENCODERS: Readonly<Record<RowDataType, (doc: unknown) => string>> = {
  events: (doc) => encodeEventRow(doc as TrackingCallRecord),
  feedback: (doc) => encodeFeedbackRow(doc as TrackingCallRecord),
  users: (doc) => encodeUserRow(doc as UserProfileRecord),
  companies: (doc) => encodeCompanyRow(doc as CompanyProfileRecord),
};

function encoderFor(dataType: RowDataType): (doc: unknown) => string {
  return ENCODERS[dataType];
}
