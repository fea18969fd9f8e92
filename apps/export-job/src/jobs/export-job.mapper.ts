import { analytics, exportsV1 } from '@exportd/contracts';
import { ExportCompression } from '../formats/file-encoding';
import { ExportFormat } from '../formats/row-formatter';
import { CoveoCsvFormat, CoveoExport, CoveoExportAsked, zipFilename } from './coveo-export';
import { InvalidExportRequest } from './export-jobs.errors';
import { ExportJobView } from './export-jobs.service';
import { ExportRequest } from './export-request';
import { JobStatus } from './export-job.repository';
import { ExportDataType } from './partition-planner';
import { ExportApi } from './retention';

/** Proto <-> domain, for export-job's controller and notifier. */

const APIS = new Map<exportsV1.ExportApi, ExportApi>([
  [exportsV1.ExportApi.EXPORT_API_BULK, 'bulk'],
  [exportsV1.ExportApi.EXPORT_API_ON_DEMAND, 'on_demand'],
  [exportsV1.ExportApi.EXPORT_API_COVEO, 'coveo'],
]);
const APIS_TO_PROTO = new Map([...APIS].map(([proto, api]) => [api, proto]));
const CSV_FORMATS = new Map<exportsV1.CsvFormat, CoveoCsvFormat>([
  [exportsV1.CsvFormat.CSV_FORMAT_UNSPECIFIED, 'excel'],
  [exportsV1.CsvFormat.CSV_FORMAT_EXCEL, 'excel'],
  [exportsV1.CsvFormat.CSV_FORMAT_NO_NEWLINE, 'no_newline'],
]);
const FORMATS = new Map<exportsV1.ExportFormat, ExportFormat>([
  [exportsV1.ExportFormat.EXPORT_FORMAT_UNSPECIFIED, 'json'],
  [exportsV1.ExportFormat.EXPORT_FORMAT_JSON, 'json'],
  [exportsV1.ExportFormat.EXPORT_FORMAT_JSONL, 'jsonl'],
  [exportsV1.ExportFormat.EXPORT_FORMAT_CSV, 'csv'],
  [exportsV1.ExportFormat.EXPORT_FORMAT_PARQUET, 'parquet'],
]);
const DATA_TYPES = new Map<analytics.DataType, ExportDataType>([
  [analytics.DataType.DATA_TYPE_EVENTS, 'events'],
  [analytics.DataType.DATA_TYPE_FEEDBACK, 'feedback'],
  [analytics.DataType.DATA_TYPE_USERS, 'users'],
  [analytics.DataType.DATA_TYPE_COMPANIES, 'companies'],
  [analytics.DataType.DATA_TYPE_COMPANY_FEATURES, 'company_features'],
]);
const DATA_TYPES_TO_PROTO = new Map([...DATA_TYPES].map(([proto, type]) => [type, proto]));
const STATUSES: Record<JobStatus, exportsV1.JobStatus> = {
  pending: exportsV1.JobStatus.JOB_STATUS_PENDING,
  in_progress: exportsV1.JobStatus.JOB_STATUS_IN_PROGRESS,
  completed: exportsV1.JobStatus.JOB_STATUS_COMPLETED,
  failed: exportsV1.JobStatus.JOB_STATUS_FAILED,
  cancelled: exportsV1.JobStatus.JOB_STATUS_CANCELLED,
};

export function dataTypeToProto(type: ExportDataType): analytics.DataType {
  return DATA_TYPES_TO_PROTO.get(type) ?? analytics.DataType.DATA_TYPE_UNSPECIFIED;
}

export function apiFromProto(api: exportsV1.ExportApi): ExportApi {
  const known = APIS.get(api);
  if (!known) throw new InvalidExportRequest('api must be EXPORT_API_BULK, EXPORT_API_ON_DEMAND or EXPORT_API_COVEO');
  return known;
}

function apiToProto(api: ExportApi): exportsV1.ExportApi {
  return APIS_TO_PROTO.get(api) ?? exportsV1.ExportApi.EXPORT_API_BULK;
}

export function formatToProto(format: ExportFormat): exportsV1.ExportFormat {
  return format === 'csv'
    ? exportsV1.ExportFormat.EXPORT_FORMAT_CSV
    : format === 'jsonl'
      ? exportsV1.ExportFormat.EXPORT_FORMAT_JSONL
      : format === 'parquet'
        ? exportsV1.ExportFormat.EXPORT_FORMAT_PARQUET
        : exportsV1.ExportFormat.EXPORT_FORMAT_JSON;
}

const COMPRESSIONS = new Map<exportsV1.ExportCompression, ExportCompression>([
  [exportsV1.ExportCompression.EXPORT_COMPRESSION_UNSPECIFIED, 'gzip'],
  [exportsV1.ExportCompression.EXPORT_COMPRESSION_GZIP, 'gzip'],
  [exportsV1.ExportCompression.EXPORT_COMPRESSION_ZSTD, 'zstd'],
  [exportsV1.ExportCompression.EXPORT_COMPRESSION_NONE, 'none'],
]);

export function compressionFromProto(compression: exportsV1.ExportCompression): ExportCompression {
  const known = COMPRESSIONS.get(compression);
  if (!known) throw new InvalidExportRequest('compression must be gzip, zstd or none', { compression });
  return known;
}

export function compressionToProto(compression: ExportCompression | undefined): exportsV1.ExportCompression {
  return compression === 'zstd'
    ? exportsV1.ExportCompression.EXPORT_COMPRESSION_ZSTD
    : compression === 'none'
      ? exportsV1.ExportCompression.EXPORT_COMPRESSION_NONE
      : exportsV1.ExportCompression.EXPORT_COMPRESSION_GZIP;
}

export function dataTypeFromProto(type: analytics.DataType): ExportDataType {
  const known = DATA_TYPES.get(type);
  if (!known) throw new InvalidExportRequest(`data type ${type} is not available`);
  return known;
}

export function requestFromProto(request: exportsV1.CreateExportJobRequest): ExportRequest {
  const api = apiFromProto(request.api);
  // A Coveo job writes one zip of CSVs (its dialect is coveo.csv_format); the zip is the Coveo API's alone.
  const format = api === 'coveo' ? 'csv' : FORMATS.get(request.format);
  if (!format) throw new InvalidExportRequest('format must be json, jsonl, csv or parquet');
  if (api === 'coveo' && request.compression !== exportsV1.ExportCompression.EXPORT_COMPRESSION_UNSPECIFIED)
    throw new InvalidExportRequest('compression does not apply to Coveo-compatible exports (one zip)');
  const dataTypes = request.dataTypes.map(dataTypeFromProto);
  return {
    api,
    dataTypes,
    format,
    ...(api === 'coveo' ? {} : { compression: compressionFromProto(request.compression) }),
    fromDay: request.fromDay,
    toDay: request.toDay,
    history: request.history,
    eventTypes: request.eventTypes,
    userIds: request.userIds,
    companyIds: request.companyIds,
    segmentId: request.segmentId,
    exclusions: request.exclusions,
    emails: request.emails,
    filter: request.filter,
    ...(api === 'coveo' ? { coveo: coveoFromProto(request.coveo) } : {}),
  };
}

function coveoFromProto(request: exportsV1.CoveoExportRequest | undefined): CoveoExportAsked {
  if (!request) throw new InvalidExportRequest('from is required, as YYYY-MM-DDThh:mm:ss.sssZ');
  const csvFormat = CSV_FORMATS.get(request.csvFormat);
  if (!csvFormat) throw new InvalidExportRequest('format must be EXCEL or NO_NEWLINE');
  return {
    timeFrom: request.timeFrom ?? null,
    timeTo: request.timeTo ?? null,
    tables: request.tables,
    dimensions: request.dimensions,
    useDisplayNames: request.useDisplayNames,
    csvFormat,
    filename: request.filename,
    description: request.description,
    author: request.author,
    eventsFilter: request.eventsFilter,
    searchFilters: request.searchFilters,
  };
}

export function toProtoJob(view: ExportJobView): exportsV1.ExportJob {
  const { job } = view;
  const { coveo } = job;
  return {
    id: job._id,
    api: apiToProto(apiOf(job)),
    status: STATUSES[view.status],
    dataTypes: job.dataTypes.map(dataTypeToProto),
    format: coveo ? exportsV1.ExportFormat.EXPORT_FORMAT_CSV_ZIP : formatToProto(job.format),
    compression: coveo ? exportsV1.ExportCompression.EXPORT_COMPRESSION_UNSPECIFIED : compressionToProto(job.compression),
    fromDay: job.fromDay,
    toDay: job.toDay,
    history: job.history,
    eventTypes: job.eventTypes,
    userIds: job.userIds,
    companyIds: job.companyIds,
    exclusions: job.exclusions,
    filter: job.filter,
    partitions: job.partitionKeys,
    completedPartitions: view.completedPartitions,
    currentPartition: view.currentPartition,
    files: view.files.map((f) => ({ filename: f.filename, url: f.url, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
    manifestUrl: view.manifestUrl,
    error: view.error ?? '',
    createdAt: job.createdAt,
    finishedAt: view.finishedAt ?? undefined,
    linksExpireAt: view.linksExpireAt ?? undefined,
    scheduleId: job.scheduleId ?? '',
    coveo: coveo ? coveoToProto(coveo, view) : undefined,
    retentionTruncated: job.retentionTruncated ?? false,
    retainedFrom: job.retainedFrom ?? '',
  };
}

function coveoToProto(coveo: CoveoExport, view: ExportJobView): exportsV1.CoveoExport {
  return {
    timeFrom: coveo.timeFrom,
    timeTo: coveo.timeTo,
    dimensions: coveo.dimensions,
    useDisplayNames: coveo.useDisplayNames,
    csvFormat:
      coveo.csvFormat === 'no_newline' ? exportsV1.CsvFormat.CSV_FORMAT_NO_NEWLINE : exportsV1.CsvFormat.CSV_FORMAT_EXCEL,
    filename: zipFilename(coveo, view.job._id),
    description: coveo.description,
    author: coveo.author,
    eventsFilter: coveo.eventsFilter,
    tables: coveo.tables.map((table) => table.name),
    size: view.files.reduce((total, file) => total + file.bytes, 0),
    filesDeleted: view.job.filesDeleted,
  };
}

/** Jobs stored before the API was recorded were Bulk API jobs. */
export function apiOf(job: { api: string }): ExportApi {
  return job.api === 'on_demand' || job.api === 'coveo' ? job.api : 'bulk';
}

/** The job as the notification's webhook data shows it (snake_case, like the Bulk Data Export API). */
export function publicJobJson(view: ExportJobView): Record<string, unknown> {
  const { job } = view;
  return {
    job_id: job._id,
    app_token: job.appId,
    type: 'export',
    api: apiOf(job),
    status: view.status,
    format: job.format,
    ...(job.coveo ? {} : { compression: job.compression ?? 'gzip' }),
    from: job.fromDay,
    to: job.toDay,
    data_types: job.dataTypes,
    all_chunks: job.partitionKeys,
    completed_chunks: view.completedPartitions,
    start_time: job.createdAt.toISOString(),
    end_time: view.finishedAt ? view.finishedAt.toISOString() : null,
    error: view.error ?? null,
    files: view.files.map((f) => ({ filename: f.filename, url: f.url, rows: f.rows, bytes: f.bytes, sha256: f.sha256 })),
    manifest_url: view.manifestUrl || null,
    schedule_id: job.scheduleId || null,
    links_expire_at: view.linksExpireAt ? view.linksExpireAt.toISOString() : null,
  };
}
