import { Injectable } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { compileFilter, evaluateFilter, FilterNode } from '@exportd/filter';
import { CallType, CompanyProfileRecord, EXPORT_EVENT_TYPE, TrackingCallRecord, UserProfileRecord } from '@exportd/records';
import { COMPANY_FEATURE_COLUMNS, companyFeatureRecord, CompanyUsageService } from '../company-usage/company-usage.service';
import { ExclusionsService } from '../exclusions/exclusions.service';
import { NamedFiltersService } from '../named-filters/named-filters.service';
import { SegmentsService } from '../segments/segments.service';
import { QUERY_FIELDS, rowForFilter } from './row-filter';
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
import { DatasetNotAvailable, InvalidRowFilter } from './rows.errors';
import { RowDataset, RowQuery, RowsRepository, typeFilteredInProcess } from './rows.repository';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const DEFAULT_BATCH_SIZE = 500;
export const MAX_BATCH_SIZE = 5000;

/** Export event type -> call type (the inverse of EXPORT_EVENT_TYPE). Types this platform has no data for match nothing. */
const CALL_TYPE_BY_EVENT_TYPE = new Map<string, CallType>(
  (Object.entries(EXPORT_EVENT_TYPE) as [CallType, string][]).map(([callType, eventType]) => [eventType, callType]),
);

/** Company-by-feature rows of one history, already computed in batches by CompanyUsageService. */
export interface CompanyFeatureRows {
  dataset: 'company_features';
  batches: AsyncIterable<Record<string, unknown>[]>;
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

  /**
   * The company_features dataset: the 18 columns of the company data export, for one history option; row
   * filter expressions (over those columns) are tested on each row.
   */
  async companyFeatureRows(appId: string, history: string, expressions: string[] = []): Promise<CompanyFeatureRows> {
    const filter = await this.namedFilters.rowFilter(appId, ['company_features'], expressions);
    const batches = this.companyUsage.streamRows(appId, history);
    return {
      dataset: 'company_features',
      batches: (async function* () {
        for await (const rows of batches) {
          const records: Record<string, unknown>[] = rows.map(companyFeatureRecord);
          yield filter ? records.filter((record) => evaluateFilter(filter, record)) : records;
        }
      })(),
    };
  }

  /** Validates a request into a query; throws before any row is sent. */
  async query(appId: string, dataset: analytics.DataType, filter: analytics.RowFilter | undefined): Promise<FilteredRowQuery> {
    const name = datasetName(dataset);
    if (!appId) throw new InvalidRowFilter('app_id is required');
    const fromDay = filter?.fromDay ?? '';
    const toDay = filter?.toDay ?? '';
    if (!DAY.test(fromDay) || !DAY.test(toDay)) throw new InvalidRowFilter('from_day and to_day must be YYYY-MM-DD');
    if (fromDay > toDay) throw new InvalidRowFilter('from_day must not be after to_day');
    let callTypes: CallType[] = [];
    if (name === 'events') {
      callTypes = filter?.eventTypes.length
        ? filter.eventTypes.flatMap((t) => {
            const callType = CALL_TYPE_BY_EVENT_TYPE.get(t);
            return callType ? [callType] : [];
          })
        : ['user', 'company', 'event'];
    } else if (name === 'feedback') {
      callTypes = ['feedback'];
    }
    const excluded = filter?.applyExclusions ? await this.exclusions.get(appId) : { userIds: [], companyIds: [] };
    let companyIds = filter?.companyIds ?? [];
    if (filter?.segmentId) {
      // A segment restricts rows to its member companies (evaluated on the companies' current attributes).
      const members = new Set(await this.segments.memberCompanyIds(appId, filter.segmentId));
      companyIds = companyIds.length > 0 ? companyIds.filter((id) => members.has(id)) : [...members];
    }
    // The row filter: checked like at creation (a named filter may have changed since), then split into
    // query conditions and the rest, tested on each row.
    const tree = await this.namedFilters.rowFilter(appId, [name], filter?.expressions ?? []);
    const compiled = tree ? compileFilter(tree, QUERY_FIELDS[name]) : { conditions: [] };
    return {
      appId,
      dataset: name,
      fromDay,
      toDay,
      callTypes,
      userIds: filter?.userIds ?? [],
      companyIds,
      companiesRestricted: Boolean(filter?.segmentId),
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
    if (query.dataset === 'company_features') {
      let columns: string[] = [...COMPANY_FEATURE_COLUMNS];
      for await (const rows of query.batches) {
        if (sink.cancelled()) return;
        const full = !sink.write({ rowsJson: rows.map((row) => JSON.stringify(row)), columns });
        columns = [];
        if (full) await sink.drained();
      }
      if (columns.length > 0) sink.write({ rowsJson: [], columns });
      return;
    }
    const size = Math.min(Math.max(batchSize || DEFAULT_BATCH_SIZE, 1), MAX_BATCH_SIZE);
    const encode = encoderFor(query.dataset);
    let columns: string[] = [...columnsFor(query.dataset)];
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

export function datasetName(dataset: analytics.DataType): RowDataset {
  switch (dataset) {
    case analytics.DataType.DATA_TYPE_EVENTS:
      return 'events';
    case analytics.DataType.DATA_TYPE_FEEDBACK:
      return 'feedback';
    case analytics.DataType.DATA_TYPE_USERS:
      return 'users';
    case analytics.DataType.DATA_TYPE_COMPANIES:
      return 'companies';
    case analytics.DataType.DATA_TYPE_COMPANY_FEATURES:
      // Streamed through companyFeatureRows; it has no day range to query or count.
      throw new DatasetNotAvailable('company_features (count)');
    default:
      throw new InvalidRowFilter('dataset is required');
  }
}

function columnsFor(dataset: RowDataset): readonly string[] {
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

function encoderFor(dataset: RowDataset): (doc: unknown) => string {
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
