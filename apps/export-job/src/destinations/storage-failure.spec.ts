import { AddressRefused } from '@exportd/outbound';
import { DestinationCheckReason } from './destinations.errors';
import { classifyStorageError, FailureContext, withoutSecret } from './storage-failure';

const context: FailureContext = {
  operation: 'list',
  host: 'storage.example:9000',
  bucket: 'acme',
  region: 'us-east-1',
  key: 'exports',
  accessKeyId: 'AKIAEXAMPLE',
  timeoutMs: 10_000,
};

/** What the S3 client throws for an error answer: the code as name, the HTTP status in $metadata. */
function s3Error(name: string, httpStatusCode: number, message = `${name} message`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

function networkError(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe(classifyStorageError.name, () => {
  it.each<[string, unknown, DestinationCheckReason, string]>([
    [
      'an unknown access key',
      s3Error('InvalidAccessKeyId', 403),
      'invalid_access_key',
      'does not know the access key id AKIAEXAMPLE',
    ],
    ['an unknown access key (versitygw)', s3Error('XAdminUserNotFound', 404), 'invalid_access_key', 'check the access key id'],
    ['a wrong secret', s3Error('SignatureDoesNotMatch', 403), 'signature_mismatch', 'secret access key does not match'],
    ['a missing bucket', s3Error('NoSuchBucket', 404), 'no_such_bucket', 'bucket acme does not exist'],
    ['no permission', s3Error('AccessDenied', 403), 'access_denied', 'may not list bucket acme under exports/'],
    ['a 403 without a code', s3Error('403', 403, ''), 'access_denied', 's3:ListBucket'],
    ['a 404 without a code', s3Error('NotFound', 404, ''), 'no_such_bucket', 'was not found'],
    ['another region', s3Error('PermanentRedirect', 301), 'invalid_url', 'not reachable in region us-east-1'],
    ['a wrong region in the signature', s3Error('AuthorizationHeaderMalformed', 400), 'invalid_url', 'check the region'],
    ['a server error', s3Error('InternalError', 500), 'unreachable', 'answered InternalError: InternalError message'],
    ['a refused connection', networkError('ECONNREFUSED'), 'unreachable', 'connect ECONNREFUSED'],
    ['a host that does not resolve', networkError('ENOTFOUND'), 'unreachable', 'the host does not resolve'],
    ['no answer in time', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'unreachable', 'no answer within 10 s'],
    ['a bad certificate', networkError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'unreachable', 'secure connection'],
    [
      'a forbidden address at connect time',
      new AddressRefused('host x resolves to 10.0.0.1, which is a private address'),
      'forbidden_address',
      'private address',
    ],
  ])('%s', (_what, error, reason, message) => {
    const failure = classifyStorageError(error, context);
    expect(failure.reason).toBe(reason);
    expect(failure.message).toContain(message);
  });

  it('keeps what the storage answered for the status page', () => {
    expect(
      classifyStorageError(s3Error('NoSuchBucket', 404, 'The specified bucket does not exist'), context).storageMessage,
    ).toBe('NoSuchBucket: The specified bucket does not exist');
  });

  it('words a denied write as a write', () => {
    expect(classifyStorageError(s3Error('AccessDenied', 403), { ...context, operation: 'write' }).message).toContain(
      's3:PutObject',
    );
  });

  it('finds the network code of a wrapped error', () => {
    const wrapped = Object.assign(new Error('request failed'), { cause: networkError('EHOSTUNREACH') });
    expect(classifyStorageError(wrapped, context).reason).toBe('unreachable');
  });
});

describe(withoutSecret.name, () => {
  it('masks every occurrence of the secret', () => {
    expect(withoutSecret('key s3cr3t and s3cr3t', 's3cr3t')).toBe('key *** and ***');
  });
});
