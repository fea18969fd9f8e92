import { compressionRefusal, ExportCompression } from '../formats/file-encoding';
import { ExportFormat } from '../formats/row-formatter';
import { checkCoveoRequest, CoveoExportAsked, coveredDays, dataTypeOfTable } from './coveo-export';
import { InvalidExportRequest } from './export-jobs.errors';
import { EXPORT_DATA_TYPES, ExportDataType } from './partition-planner';
import type { AppRetention } from './export-preconditions';
import { ExportApi } from './retention';

/** What a caller asks for, before the rules below. */
export interface ExportRequest {
  api: ExportApi;
  /** Empty: events. */
  dataTypes: ExportDataType[];
  format: ExportFormat;
  /** Absent: gzip. */
  compression?: ExportCompression;
  fromDay: string;
  toDay: string;
  /** company_features by history option instead of a day range. */
  history: string;
  /** Empty: the API's default. */
  eventTypes: string[];
  userIds: string[];
  companyIds: string[];
  segmentId: string;
  exclusions: boolean;
  emails: string[];
  /** A row filter in the filter language, or empty. */
  filter: string;
  /** Set by the export schedule whose run asks (never by a public API). */
  scheduleId?: string;
  /** An incremental run: the rows received in [from, to), whatever their event day (events and feedback only). */
  received?: { from: Date; to: Date };
  /** The Coveo-compatible API's own fields (then the days and data types follow from its window and tables). */
  coveo?: CoveoExportAsked;
}

/** A request of `api` with no data type, day, list or filter but those in `fields` (for callers that build one). */
export function exportRequestOf(fields: Partial<ExportRequest> & Pick<ExportRequest, 'api'>): ExportRequest {
  return {
    dataTypes: [],
    format: 'csv',
    fromDay: '',
    toDay: '',
    history: '',
    eventTypes: [],
    userIds: [],
    companyIds: [],
    segmentId: '',
    exclusions: false,
    emails: [],
    filter: '',
    ...fields,
  };
}

/**
 * The event types of a Bulk API job that names none: seed 002's six, plus this platform's `feedback`, so a
 * default export holds every tracking call and the track_feature rows derived from them. `interaction`
 * (in-app experience interactions) has no source on this platform and matches nothing.
 */
export const DEFAULT_BULK_EVENT_TYPES = [
  'identify_user',
  'identify_company',
  'page_view',
  'track',
  'track_feature',
  'interaction',
  'feedback',
];

/** On-demand exports (seed 003) cover at most 30 days after startDate. */
export const MAX_ON_DEMAND_RANGE_DAYS = 30;
export const HISTORIES = ['today', '30d-daily', '3m-weekly', '6m-weekly'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Every rule of an export request that needs nothing but the request: real days in order, the API's range
 * limit, data types, history (company_features only, instead of days), emails. Answers the request with
 * its defaults applied; throws InvalidExportRequest (400 `invalid_request`) naming the field otherwise.
 * The rules that need another service (plan, segment, filter) are ExportPreconditions'.
 */
export function checkExportRequest(request: ExportRequest): ExportRequest {
  if (request.api === 'coveo') return checkCoveoExportRequest(request);
  const dataTypes: ExportDataType[] = request.dataTypes.length > 0 ? [...new Set(request.dataTypes)] : ['events'];
  const unknown = dataTypes.filter((type) => !EXPORT_DATA_TYPES.includes(type));
  if (unknown.length > 0) throw new InvalidExportRequest(`data types not available: ${unknown.join(', ')}`);

  const byHistory = request.history !== '';
  if (byHistory) {
    if (!HISTORIES.includes(request.history)) throw new InvalidExportRequest(`history must be one of ${HISTORIES.join(', ')}`);
    if (dataTypes.some((type) => type !== 'company_features'))
      throw new InvalidExportRequest('history applies to company_features only: export other data types by day range separately');
    if (request.fromDay || request.toDay)
      throw new InvalidExportRequest('give either history or a day range (startDate and endDate), not both');
  } else {
    checkDayRange(request);
  }

  if (request.received && dataTypes.some((type) => type !== 'events' && type !== 'feedback'))
    throw new InvalidExportRequest('incremental exports hold events and feedback only');

  const refusal = compressionRefusal(request.format, request.compression ?? 'gzip');
  if (refusal) throw new InvalidExportRequest(refusal, { compression: request.compression ?? 'gzip' });

  checkEmails(request.emails);

  const eventTypes = request.api === 'bulk' && request.eventTypes.length === 0 ? DEFAULT_BULK_EVENT_TYPES : request.eventTypes;
  return { ...request, dataTypes, eventTypes };
}

/** A Coveo-compatible request: its window and tables (coveo-export.ts) give the days and the data types. */
function checkCoveoExportRequest(request: ExportRequest): ExportRequest {
  if (!request.coveo) throw new InvalidExportRequest('from is required, as YYYY-MM-DDThh:mm:ss.sssZ');
  const { timeFrom, timeTo, tables } = checkCoveoRequest(request.coveo);
  return {
    ...request,
    ...coveredDays(timeFrom, timeTo),
    dataTypes: [...new Set(tables.map(dataTypeOfTable))],
    format: 'csv',
    history: '',
    coveo: { ...request.coveo, timeFrom, timeTo, tables },
  };
}

/** What the app's retention left of a request's days. */
export interface RetainedDays {
  /** Part of the days is older than the retention: those rows are deleted, the files hold the rest. */
  truncated: boolean;
  /** The oldest day kept for the request's data (set when truncated). */
  retainedFrom: string;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The request's days against the app's retention: raw calls (events, feedback) are kept `rawEventsDays`,
 * company_features' usage counters `aggregatesDays` (the first day kept is today minus that many days);
 * profiles (users, companies) until deletion. A range reaching before the first day kept is truncated; one
 * wholly before the days a sweep has already deleted, for every data type it asks, is InvalidExportRequest
 * (nothing of it is left). Incremental runs select by reception, not by day.
 */
export function retainedDays(request: ExportRequest, retention: AppRetention, now: Date): RetainedDays {
  const kept: RetainedDays = { truncated: false, retainedFrom: '' };
  if (!request.fromDay || !request.toDay || request.received) return kept;
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  const firstKept = (days: number) => new Date(today - days * DAY_MS).toISOString().slice(0, 10);
  const limits = request.dataTypes.map((type) => {
    if (type === 'events' || type === 'feedback')
      return {
        type,
        days: retention.rawEventsDays,
        firstKept: firstKept(retention.rawEventsDays),
        deletedBefore: retention.rawEventsDeletedBefore,
      };
    if (type === 'company_features')
      return {
        type,
        days: retention.aggregatesDays,
        firstKept: firstKept(retention.aggregatesDays),
        deletedBefore: retention.aggregatesDeletedBefore,
      };
    return null; // profiles: kept until deletion
  });
  if (limits.every((limit) => limit && request.toDay < limit.deletedBefore)) {
    const described = limits.map(
      (limit) => `${limit?.type} is kept ${limit?.days} days (deleted before ${limit?.deletedBefore})`,
    );
    throw new InvalidExportRequest(`the whole range is older than the app's retention: ${described.join(', ')}`, {
      retention: limits.map((limit) => ({ dataType: limit?.type, days: limit?.days, deletedBefore: limit?.deletedBefore })),
    });
  }
  for (const limit of limits) {
    if (!limit || request.fromDay >= limit.firstKept) continue;
    kept.truncated = true;
    if (limit.firstKept > kept.retainedFrom) kept.retainedFrom = limit.firstKept;
  }
  return kept;
}

/** InvalidExportRequest naming every address that is not one (`details.emails`). */
export function checkEmails(emails: readonly string[]): void {
  const bad = emails.filter((email) => !EMAIL.test(email));
  if (bad.length > 0) throw new InvalidExportRequest(`invalid emails: ${bad.join(', ')}`, { emails: bad });
}

function checkDayRange({ api, fromDay, toDay }: ExportRequest): void {
  const [from, to] = api === 'bulk' ? ['from', 'to'] : ['startDate', 'endDate'];
  if (!validDay(fromDay)) throw new InvalidExportRequest(`${from} must be a date in YYYY-MM-DD format`);
  if (!validDay(toDay)) throw new InvalidExportRequest(`${to} must be a date in YYYY-MM-DD format`);
  if (fromDay > toDay) throw new InvalidExportRequest(`${from} must not be after ${to}`);
  if (api === 'on_demand' && daysBetween(fromDay, toDay) > MAX_ON_DEMAND_RANGE_DAYS)
    throw new InvalidExportRequest(`${to} must be at most ${MAX_ON_DEMAND_RANGE_DAYS} days after ${from}`);
}

function validDay(day: string): boolean {
  if (!DAY.test(day)) return false;
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

/** Whole days from `start` to `end` (both YYYY-MM-DD). */
function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);
}
