/**
 * Errors across the wire, in one place: a domain error's kind maps to a gRPC status (services), and the
 * status plus metadata map back to an HTTP status (gateway). `errors.spec.ts` holds the table test.
 */
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';

export type ErrorKind =
  | 'not_found'
  | 'invalid'
  | 'conflict'
  | 'precondition'
  | 'permission'
  | 'unauthenticated'
  | 'too_large'
  | 'unavailable'
  | 'internal';

/** A fact the domain reports; services throw these, never transport exceptions. */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable machine-readable code, e.g. `export_job_not_found`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export const METADATA_ERROR_KIND = 'x-error-kind';
export const METADATA_ERROR_CODE = 'x-error-code';
export const METADATA_ERROR_DETAILS = 'x-error-details-json';

const grpcStatusByKind: Record<ErrorKind, GrpcStatus> = {
  not_found: GrpcStatus.NOT_FOUND,
  invalid: GrpcStatus.INVALID_ARGUMENT,
  conflict: GrpcStatus.ALREADY_EXISTS,
  precondition: GrpcStatus.FAILED_PRECONDITION,
  permission: GrpcStatus.PERMISSION_DENIED,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  too_large: GrpcStatus.RESOURCE_EXHAUSTED,
  unavailable: GrpcStatus.UNAVAILABLE,
  internal: GrpcStatus.INTERNAL,
};

const httpStatusByKind: Record<ErrorKind, number> = {
  not_found: 404,
  invalid: 400,
  conflict: 409,
  precondition: 409,
  permission: 403,
  unauthenticated: 401,
  too_large: 413,
  unavailable: 503,
  internal: 500,
};

export interface GrpcErrorPayload {
  code: GrpcStatus;
  message: string;
  metadata: Metadata;
}

/** Service side: any thrown value -> the status and metadata a gRPC client receives. */
export function toGrpcError(error: unknown): GrpcErrorPayload {
  const metadata = new Metadata();
  if (error instanceof DomainError) {
    metadata.set(METADATA_ERROR_KIND, error.kind);
    metadata.set(METADATA_ERROR_CODE, error.code);
    if (error.details !== undefined) metadata.set(METADATA_ERROR_DETAILS, JSON.stringify(error.details));
    return { code: grpcStatusByKind[error.kind], message: error.message, metadata };
  }
  // Unexpected faults keep their text out of the wire: it may hold internals.
  metadata.set(METADATA_ERROR_KIND, 'internal');
  metadata.set(METADATA_ERROR_CODE, 'internal_error');
  return { code: GrpcStatus.INTERNAL, message: 'Internal error', metadata };
}

export interface RemoteError {
  httpStatus: number;
  kind: ErrorKind;
  code: string;
  message: string;
  details?: unknown;
}

interface GrpcLikeError {
  code?: number;
  details?: string;
  metadata?: Metadata;
}

function isGrpcError(error: unknown): error is GrpcLikeError {
  return typeof error === 'object' && error !== null && 'code' in error && 'metadata' in error;
}

function kindFromTransportStatus(code: number | undefined): ErrorKind {
  switch (code) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
      return 'unavailable';
    default:
      return 'internal';
  }
}

/**
 * Gateway side: a failed gRPC call -> HTTP status and error fields. Only errors a service raised on purpose
 * (those carrying a kind) keep their message; transport faults become 503 or 500 with a generic text.
 */
export function fromGrpcError(error: unknown): RemoteError {
  if (error instanceof DomainError) {
    return {
      httpStatus: httpStatusByKind[error.kind],
      kind: error.kind,
      code: error.code,
      message: error.message,
      details: error.details,
    };
  }
  if (isGrpcError(error)) {
    const kind = error.metadata?.get(METADATA_ERROR_KIND)[0]?.toString() as ErrorKind | undefined;
    if (kind && kind in httpStatusByKind) {
      const code = error.metadata?.get(METADATA_ERROR_CODE)[0]?.toString() ?? kind;
      const rawDetails = error.metadata?.get(METADATA_ERROR_DETAILS)[0]?.toString();
      const details = rawDetails ? (JSON.parse(rawDetails) as unknown) : undefined;
      const message = kind === 'internal' ? 'Internal error' : (error.details ?? kind);
      return { httpStatus: httpStatusByKind[kind], kind, code, message, details };
    }
    const transportKind = kindFromTransportStatus(error.code);
    return {
      httpStatus: httpStatusByKind[transportKind],
      kind: transportKind,
      code: transportKind === 'unavailable' ? 'service_unavailable' : 'internal_error',
      message: transportKind === 'unavailable' ? 'A backing service is unavailable; retry later' : 'Internal error',
    };
  }
  return { httpStatus: 500, kind: 'internal', code: 'internal_error', message: 'Internal error' };
}

export { grpcStatusByKind, httpStatusByKind };
