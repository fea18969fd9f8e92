import { Injectable } from '@nestjs/common';
import { analytics, rowFilter } from '@exportd/contracts';
import { compileFilter, evaluateFilter, FilterNode } from '@exportd/filter';
import { CallType, CompanyProfileRecord, EXPORT_EVENT_TYPE, TrackingCallRecord, UserProfileRecord } from '@exportd/records';
import { CompanyFeatureJson } from '../company-usage/company-feature-json';
import { dayNumber } from '../company-usage/company-usage.metrics';
import { CompanyScope } from '../company-usage/company-usage.repository';
import { COMPANY_FEATURE_COLUMNS, companyFeatureRecord, CompanyUsageService } from '../company-usage/company-usage.service';
import { ExclusionsService } from '../exclusions/exclusions.service';
import { NamedFiltersService } from '../named-filters/named-filters.service';
import { SegmentsService } from '../segments/segments.service';
import { FilterDataType, QUERY_FIELDS, rowForFilter } from './row-filter';
import {
  COMPANY_COLUMNS,
  encodeCompanyRow,
  encodeEventRow,
  encodeFeedbackRow,
  encodeUserRow,
  EVENT_COLUMNS,
  FEEDBACK_COLUMNS,
  USER_COLUMNS,
} from './row-encoders';
import { DataTypeNotAvailable, InvalidRowFilter } from './rows.errors';
import {
  daysOf,
  ReceptionWindow,
  receivedDaysOf,
  RowDataType,
  RowQuery,
  RowsRepository,
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

/** Company-by-feature rows, computed in batches by CompanyUsageService, as rows_json text. */
export interface CompanyFeatureRows {
  dataType: 'company_features';
  batches: AsyncIterable<string[]>;
}

/** A row query and the part of its row filter tested on each row (what the query cannot answer). */
export interface FilteredRowQuery extends RowQuery {
  residual?: FilterNode;
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
  ) {}

  /** Validates a request into what its stream reads; throws before any row is sent. */
  async open(
    appId: string,
    dataType: analytics.DataType,
    filter: analytics.RowFilter | undefined,
    batchSize?: number,
  ): Promise<FilteredRowQuery | CompanyFeatureRows> {
    if (!appId) throw new InvalidRowFilter('app_id is required');
    const name = dataTypeName(dataType);
    const rowFilter = filter ?? EMPTY_FILTER;
    const received = receptionWindow(rowFilter);
    if (received && name !== 'events' && name !== 'feedback')
      throw new InvalidRowFilter('incremental exports hold events and feedback only');
    return name === 'company_features'
      ? this.companyFeatureRows(appId, rowFilter, batchSize)
      : this.query(appId, name, rowFilter, received);
  }

  /**
   * The company_features data type: the 18 columns of the company data export, for the dates of one history
   * option or for every day of a range, as of each date. company_ids, segment_id and the excluded companies
   * narrow the companies read; row filter expressions (over the 18 columns) are tested on each row.
   * event_types and user_ids do not apply to company rows, nor do excluded users.
   */
  private async companyFeatureRows(appId: string, filter: analytics.RowFilter, batchSize?: number): Promise<CompanyFeatureRows> {
    const dates = this.companyFeatureDates(filter);
    const rowFilter = await this.namedFilters.rowFilter(appId, ['company_features'], filter.expressions);
    const companies = await this.companyRestriction(appId, filter);
    const scope: CompanyScope = {
      only: companies.restricted ? companies.companyIds : undefined,
      excluded: filter.applyExclusions ? (await this.exclusions.get(appId)).companyIds : [],
    };
    const batches = this.companyUsage.streamRows(appId, dates, scope, batchSize);
    const json = new CompanyFeatureJson();
    return {
      dataType: 'company_features',
      batches: (async function* () {
        for await (const rows of batches) {
          const kept = rowFilter ? rows.filter((row) => evaluateFilter(rowFilter, companyFeatureRecord(row))) : rows;
          yield kept.map((row) => json.encode(row));
        }
      })(),
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
  ): Promise<FilteredRowQuery> {
    const { fromDay, toDay } = received ? { fromDay: '', toDay: '' } : dayRange(filter);
    let callTypes: CallType[] = [];
    if (dataType === 'events') {
      callTypes = filter.eventTypes.length
        ? filter.eventTypes.flatMap((t) => {
            const callType = CALL_TYPE_BY_EVENT_TYPE.get(t);
            return callType ? [callType] : [];
          })
        : ['user', 'company', 'event'];
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
      callTypes,
      userIds: filter.userIds,
      companyIds: companies.companyIds,
      companiesRestricted: companies.restricted,
      excludedUserIds: excluded.userIds,
      excludedCompanyIds: excluded.companyIds,
      conditions: compiled.conditions,
      residual: compiled.residual,
    };
  }

  /**
   * Streams the rows in batches; waits whenever the sink is full, so memory stays bounded by a few batches
   * whatever the size of the result. Columns go with the first batch (also when there are no rows).
   */
  async stream(query: FilteredRowQuery | CompanyFeatureRows, sink: RowSink, batchSize = DEFAULT_BATCH_SIZE): Promise<void> {
    if (query.dataType === 'company_features') {
      let columns: string[] = [...COMPANY_FEATURE_COLUMNS];
      for await (const rows of query.batches) {
        if (sink.cancelled()) return;
        const full = !sink.write({ rowsJson: rows, columns });
        columns = [];
        if (full) await sink.drained();
      }
      if (columns.length > 0) sink.write({ rowsJson: [], columns });
      return;
    }
    const size = Math.min(Math.max(batchSize || DEFAULT_BATCH_SIZE, 1), MAX_BATCH_SIZE);
    const encode = encoderFor(query.dataType);
    let columns: string[] = [...columnsFor(query.dataType)];
    let rows: string[] = [];
    const cursor = this.rows.cursor(query, Math.max(size, 1000));
    const types = typeFilteredInProcess(query) ? new Set<string>(query.callTypes) : null;
    const residual = query.residual;
    const flush = async () => {
      const full = !sink.write({ rowsJson: rows, columns });
      columns = [];
      rows = [];
      if (full) await sink.drained();
    };
    try {
      for await (const doc of cursor) {
        if (sink.cancelled()) return;
        if (types && !types.has((doc as { type?: string }).type ?? '')) continue;
        const row = encode(doc);
        if (residual && !evaluateFilter(residual, rowForFilter(row))) continue;
        rows.push(row);
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

function encoderFor(dataset: RowDataType): (doc: unknown) => string {
  switch (dataset) {
    case 'events':
      return (doc) => encodeEventRow(doc as TrackingCallRecord);
    case 'feedback':
      return (doc) => encodeFeedbackRow(doc as TrackingCallRecord);
    case 'users':
      return (doc) => encodeUserRow(doc as UserProfileRecord);
    case 'companies':
      return (doc) => encodeCompanyRow(doc as CompanyProfileRecord);
  }
}
