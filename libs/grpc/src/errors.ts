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
  | 'outcome_unknown'
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
  outcome_unknown: GrpcStatus.UNKNOWN,
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
  // 503 promises that nothing happened (retry is safe); 502 says the outcome is not known.
  unavailable: 503,
  outcome_unknown: 502,
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
    if (error.details !== undefined) metadata.set(METADATA_ERROR_DETAILS, asciiJson(error.details));
    return { code: grpcStatusByKind[error.kind], message: error.message, metadata };
  }
  // Unexpected faults keep their text out of the wire: it may hold internals.
  metadata.set(METADATA_ERROR_KIND, 'internal');
  metadata.set(METADATA_ERROR_CODE, 'internal_error');
  return { code: GrpcStatus.INTERNAL, message: 'Internal error', metadata };
}

/**
 * JSON with every character outside printable ASCII as a \\u escape: a metadata value may hold nothing else, and
 * details can quote what a caller sent (a filter's unexpected character).
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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

/**
 * UNAVAILABLE texts of grpc-js for a call that never reached a server (no connection, channel closed, name not
 * resolved): nothing happened, so a retry is safe. Any other UNAVAILABLE (a connection dropped mid-call) and
 * DEADLINE_EXCEEDED leave the outcome unknown: the service may have done the work without answering in time.
 */
const NOT_SENT = /^(No connection established|Channel closed before call started|Name resolution failed)/;

function transportError(error: GrpcLikeError): RemoteError {
  if (error.code === GrpcStatus.UNAVAILABLE && NOT_SENT.test(error.details ?? '')) {
    return {
      httpStatus: 503,
      kind: 'unavailable',
      code: 'service_unavailable',
      message: 'A backing service is unavailable; retry later',
    };
  }
  if (error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.DEADLINE_EXCEEDED) {
    const timedOut = error.code === GrpcStatus.DEADLINE_EXCEEDED;
    return {
      httpStatus: timedOut ? 504 : 502,
      kind: 'outcome_unknown',
      code: 'outcome_unknown',
      message: `A backing service ${timedOut ? 'did not answer in time' : 'dropped the connection'}: the request may or may not have taken effect. Retry only requests that are safe to repeat (tracking calls carrying a messageId are).`,
    };
  }
  return { httpStatus: 500, kind: 'internal', code: 'internal_error', message: 'Internal error' };
}

/**
 * Gateway side: a failed gRPC call -> HTTP status and error fields. Only errors a service raised on purpose
 * (those carrying a kind) keep their message; transport faults become 503 (not sent), 502/504 (outcome
 * unknown) or 500 with a generic text.
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
    return transportError(error);
  }
  return { httpStatus: 500, kind: 'internal', code: 'internal_error', message: 'Internal error' };
}

/**
 * Service side: another service's failed answer as this service's own domain error (same kind, code, message
 * and details), so a caller further up sees what the owner of the rule said.
 */
export function asDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const remote = fromGrpcError(error);
  return new DomainError(remote.kind, remote.code, remote.message, remote.details);
}

export { grpcStatusByKind, httpStatusByKind };
