import { analytics, exportsV1, schedulesV1, tenancy } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import { planDoesNotInclude } from '../auth/plan';

/** The export-job contract's enums as the public APIs spell them, and the one error every API words alike. */

const DATA_TYPES: Record<string, analytics.DataType> = {
  events: analytics.DataType.DATA_TYPE_EVENTS,
  feedback: analytics.DataType.DATA_TYPE_FEEDBACK,
  users: analytics.DataType.DATA_TYPE_USERS,
  companies: analytics.DataType.DATA_TYPE_COMPANIES,
  company_features: analytics.DataType.DATA_TYPE_COMPANY_FEATURES,
};
const DATA_TYPE_NAMES = new Map(Object.entries(DATA_TYPES).map(([name, type]) => [type, name]));

const FORMATS: Record<string, exportsV1.ExportFormat> = {
  json: exportsV1.ExportFormat.EXPORT_FORMAT_JSON,
  jsonl: exportsV1.ExportFormat.EXPORT_FORMAT_JSONL,
  csv: exportsV1.ExportFormat.EXPORT_FORMAT_CSV,
  parquet: exportsV1.ExportFormat.EXPORT_FORMAT_PARQUET,
};

/** gzip (the default), zstd (`.zst`) or none (plain files); Parquet compresses its pages (gzip or none). */
export const COMPRESSIONS = ['gzip', 'zstd', 'none'];
const COMPRESSION_VALUES: Record<string, exportsV1.ExportCompression> = {
  gzip: exportsV1.ExportCompression.EXPORT_COMPRESSION_GZIP,
  zstd: exportsV1.ExportCompression.EXPORT_COMPRESSION_ZSTD,
  none: exportsV1.ExportCompression.EXPORT_COMPRESSION_NONE,
};
const COMPRESSION_NAMES = new Map(Object.entries(COMPRESSION_VALUES).map(([name, value]) => [value, name]));
/** The compression's name; unspecified (a record from before compression was asked) is gzip. */
export const compressionName = (compression: exportsV1.ExportCompression): string => COMPRESSION_NAMES.get(compression) ?? 'gzip';
/** A checked compression name; absent: unspecified (gzip). */
export const compressionOf = (name: string | undefined): exportsV1.ExportCompression =>
  (name === undefined ? undefined : COMPRESSION_VALUES[name]) ?? exportsV1.ExportCompression.EXPORT_COMPRESSION_UNSPECIFIED;
const FORMAT_NAMES = new Map(Object.entries(FORMATS).map(([name, format]) => [format, name]));

const STATUS_NAMES = new Map<exportsV1.JobStatus, string>([
  [exportsV1.JobStatus.JOB_STATUS_PENDING, 'pending'],
  [exportsV1.JobStatus.JOB_STATUS_IN_PROGRESS, 'in_progress'],
  [exportsV1.JobStatus.JOB_STATUS_COMPLETED, 'completed'],
  [exportsV1.JobStatus.JOB_STATUS_FAILED, 'failed'],
  [exportsV1.JobStatus.JOB_STATUS_CANCELLED, 'cancelled'],
]);

const CADENCES: Record<string, schedulesV1.Cadence> = {
  daily: schedulesV1.Cadence.CADENCE_DAILY,
  weekly: schedulesV1.Cadence.CADENCE_WEEKLY,
  monthly: schedulesV1.Cadence.CADENCE_MONTHLY,
};
const CADENCE_NAMES = new Map(Object.entries(CADENCES).map(([name, cadence]) => [cadence, name]));

/** A cadence by its public name, in any case (`daily`, Coveo's `DAILY`); the DTOs have checked it. */
export const cadenceOf = (name: string): schedulesV1.Cadence =>
  CADENCES[name.toLowerCase()] ?? schedulesV1.Cadence.CADENCE_UNSPECIFIED;
export const cadenceName = (cadence: schedulesV1.Cadence): string => CADENCE_NAMES.get(cadence) ?? 'daily';

/** Names the DTOs have already checked. */
export const dataTypeOf = (name: string): analytics.DataType => DATA_TYPES[name] ?? analytics.DataType.DATA_TYPE_UNSPECIFIED;
export const formatOf = (name: string): exportsV1.ExportFormat =>
  FORMATS[name] ?? exportsV1.ExportFormat.EXPORT_FORMAT_UNSPECIFIED;

export const dataTypeName = (type: analytics.DataType): string => DATA_TYPE_NAMES.get(type) ?? 'unknown';
export const formatName = (format: exportsV1.ExportFormat): string => FORMAT_NAMES.get(format) ?? 'unknown';
export const statusName = (status: exportsV1.JobStatus): string => STATUS_NAMES.get(status) ?? 'unknown';

/** A create request with every field (ts-proto encodes them all), `fields` replacing the empty defaults. */
export function createExportJobRequest(
  fields: Partial<exportsV1.CreateExportJobRequest> & Pick<exportsV1.CreateExportJobRequest, 'appId' | 'api'>,
): exportsV1.CreateExportJobRequest {
  return {
    dataTypes: [],
    format: exportsV1.ExportFormat.EXPORT_FORMAT_UNSPECIFIED,
    compression: exportsV1.ExportCompression.EXPORT_COMPRESSION_UNSPECIFIED,
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
 * Awaits an export-job call; export-job's plan refusal becomes the 403 body of seed 002, which every export
 * API answers. Other errors pass on unchanged.
 */
export async function exportJobCall<T>(app: tenancy.App, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (fromGrpcError(error).code === 'plan_excludes_exports') throw planDoesNotInclude(app);
    throw error;
  }
}

export function requiredJob(job: exportsV1.ExportJob | undefined): exportsV1.ExportJob {
  if (!job) throw new Error('export-job answered without a job');
  return job;
}
