import { BadRequestException } from '@nestjs/common';
import { exportsV1 } from '@exportd/contracts';
import { errorBody } from '../errors/http-error.filter';
import { createExportJobRequest } from '../exports/export-job-contract';

/** Query parameters arrive as a string, or an array when repeated. */
export type CoveoQuery = Record<string, string | string[] | undefined>;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const FORMATS: Record<string, exportsV1.CsvFormat> = {
  EXCEL: exportsV1.CsvFormat.CSV_FORMAT_EXCEL,
  NO_NEWLINE: exportsV1.CsvFormat.CSV_FORMAT_NO_NEWLINE,
};

function invalid(message: string): BadRequestException {
  return new BadRequestException(errorBody(400, 'invalid_request', message));
}

/** Every value of a repeatable parameter, in order; empty values dropped. */
export function repeated(query: CoveoQuery, name: string): string[] {
  const value = query[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((item) => item !== '');
}

function single(query: CoveoQuery, name: string): string {
  const values = repeated(query, name);
  if (values.length > 1) throw invalid(`${name} must be given once`);
  return values[0] ?? '';
}

function timestamp(query: CoveoQuery, name: string): Date | undefined {
  const text = single(query, name);
  if (!text) return undefined;
  const date = new Date(text);
  if (!TIMESTAMP.test(text) || Number.isNaN(date.getTime()))
    throw invalid(`${name} must be an ISO 8601 timestamp, YYYY-MM-DDThh:mm:ss.sssZ`);
  return date;
}

function bool(query: CoveoQuery, name: string): boolean {
  const text = single(query, name).toLowerCase();
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw invalid(`${name} must be true or false`);
}

/** Several filters of one parameter, joined by AND as the seed says (each in parentheses when there are several). */
export function joinedFilter(expressions: readonly string[]): string {
  return expressions.length === 1 ? (expressions[0] as string) : expressions.map((e) => `(${e})`).join(' AND ');
}

/**
 * POST /rest/ua/v15/exports's query parameters (also the estimate's) as export-job's create request: only
 * their HTTP shape is checked here (a timestamp, a boolean, a format word); every export rule is export-job's.
 */
export function coveoCreateRequest(appId: string, author: string, query: CoveoQuery): exportsV1.CreateExportJobRequest {
  const format = single(query, 'format') || 'EXCEL';
  const csvFormat = FORMATS[format];
  if (csvFormat === undefined) throw invalid('format must be EXCEL or NO_NEWLINE');
  return createExportJobRequest({
    appId,
    api: exportsV1.ExportApi.EXPORT_API_COVEO,
    format: exportsV1.ExportFormat.EXPORT_FORMAT_CSV_ZIP,
    filter: joinedFilter(repeated(query, 'f')),
    coveo: {
      timeFrom: timestamp(query, 'from'),
      timeTo: timestamp(query, 'to'),
      eventsFilter: joinedFilter(repeated(query, 'fc')),
      searchFilters: repeated(query, 'fs'),
      filename: single(query, 'filename'),
      description: single(query, 'd'),
      dimensions: repeated(query, 'dimensions'),
      tables: repeated(query, 'tables'),
      csvFormat,
      useDisplayNames: bool(query, 'useDisplayNames'),
      author,
    },
  });
}

/** `redirect` of GET /rest/ua/v15/exports/{id} (default false). */
export function redirectAsked(query: CoveoQuery): boolean {
  return bool(query, 'redirect');
}
