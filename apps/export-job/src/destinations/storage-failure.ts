import { isAddressRefused } from '@exportd/outbound';
import { DestinationCheckReason } from './destinations.errors';

/** A destination's storage refused or could not be reached: the reason, what a person reads, what it answered. */
export class StorageFailure extends Error {
  constructor(
    readonly reason: DestinationCheckReason,
    message: string,
    /** The storage's own answer (`Code: message`), or the network error; '' when there is none. */
    readonly storageMessage: string,
  ) {
    super(message);
    this.name = 'StorageFailure';
  }
}

/** What the failed request was about, to word the message. */
export interface FailureContext {
  operation: 'list' | 'write';
  /** host[:port] of the endpoint. */
  host: string;
  bucket: string;
  region: string;
  key: string;
  accessKeyId: string;
  timeoutMs: number;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

const NO_ANSWER = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TimeoutError', 'AbortError', 'RequestTimeout']);
const NOT_RESOLVED = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);
const CONNECTION = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'EPROTO']);
const WRONG_REGION = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IncorrectEndpoint',
  'IllegalLocationConstraintException',
]);
/** versitygw answers an unknown access key id with its own code (404 XAdminUserNotFound). */
const UNKNOWN_KEY = new Set(['InvalidAccessKeyId', 'XAdminUserNotFound']);
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'InvalidPayer', 'NotSignedUp']);

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The network error code of `error` or of the error it wraps. */
function networkCode(error: ErrorLike): string {
  for (let current: ErrorLike | undefined = error, depth = 0; current && depth < 4; depth++) {
    const code = text(current.code);
    if (code) return code;
    current = current.cause as ErrorLike | undefined;
  }
  return '';
}

/** Removes `secret` from a text that is shown or stored (a storage could echo what it was sent). */
export function withoutSecret(message: string, secret: string): string {
  return secret ? message.split(secret).join('***') : message;
}

/**
 * Classifies what an S3 client threw while listing or writing a destination: the storage's error code first
 * (the same codes on AWS, GCS interoperability, R2, MinIO and versitygw), then its HTTP status, then the
 * network error. Never echoes the secret: callers pass the message through `withoutSecret` too.
 */
export function classifyStorageError(thrown: unknown, context: FailureContext): StorageFailure {
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : { message: String(thrown) }) as ErrorLike;
  const storageCode = text(error.Code) || text(error.name);
  const status = typeof error.$metadata?.httpStatusCode === 'number' ? error.$metadata.httpStatusCode : undefined;
  const rawMessage = text(error.message);
  const where = `the storage at ${context.host}`;
  const prefix = context.key ? ` under ${context.key}/` : '';
  const answered = status !== undefined ? `${storageCode || `HTTP ${status}`}: ${rawMessage}`.trim() : '';

  if (isAddressRefused(thrown) || isAddressRefused(error.cause)) {
    return new StorageFailure('forbidden_address', `${rawMessage}: storage must be reachable on a public address`, rawMessage);
  }
  if (status !== undefined) {
    if (UNKNOWN_KEY.has(storageCode)) {
      return new StorageFailure(
        'invalid_access_key',
        `${where} does not know the access key id ${context.accessKeyId}: check the access key id`,
        answered,
      );
    }
    if (storageCode === 'SignatureDoesNotMatch') {
      return new StorageFailure(
        'signature_mismatch',
        `the secret access key does not match the access key id ${context.accessKeyId}: check the secret access key`,
        answered,
      );
    }
    if (storageCode === 'NoSuchBucket') {
      return new StorageFailure(
        'no_such_bucket',
        `bucket ${context.bucket} does not exist at ${context.host}: check the bucket name`,
        answered,
      );
    }
    if (WRONG_REGION.has(storageCode) || status === 301) {
      return new StorageFailure(
        'invalid_url',
        `bucket ${context.bucket} is not reachable in region ${context.region} at ${context.host}: check the region`,
        answered,
      );
    }
    if (DENIED.has(storageCode) || status === 403) {
      const may = context.operation === 'list' ? 'list' : 'write to';
      const permission = context.operation === 'list' ? 's3:ListBucket' : 's3:PutObject';
      return new StorageFailure(
        'access_denied',
        `the credentials of access key id ${context.accessKeyId} may not ${may} bucket ${context.bucket}${prefix}: grant them ${permission} (exports need s3:ListBucket and s3:PutObject)`,
        answered,
      );
    }
    if (status === 404) {
      return new StorageFailure(
        'no_such_bucket',
        `bucket ${context.bucket} was not found at ${context.host}: check the bucket name`,
        answered,
      );
    }
    return new StorageFailure('unreachable', `${where} answered ${answered || `HTTP ${status}`}`, answered);
  }
  const code = networkCode(error) || text(error.name);
  const networkMessage = rawMessage || code;
  if (NOT_RESOLVED.has(code)) {
    return new StorageFailure('unreachable', `could not reach ${where}: the host does not resolve`, networkMessage);
  }
  if (NO_ANSWER.has(code)) {
    return new StorageFailure(
      'unreachable',
      `could not reach ${where}: no answer within ${context.timeoutMs / 1000} s`,
      networkMessage,
    );
  }
  if (CONNECTION.has(code)) {
    return new StorageFailure('unreachable', `could not reach ${where}: ${networkMessage}`, networkMessage);
  }
  if (code.startsWith('ERR_TLS') || /CERT|SSL|TLS/i.test(code)) {
    return new StorageFailure('unreachable', `could not open a secure connection to ${where}: ${networkMessage}`, networkMessage);
  }
  return new StorageFailure('unreachable', `could not use ${where}: ${networkMessage || 'unknown error'}`, networkMessage);
}
