import { Metadata, status } from '@grpc/grpc-js';
import { DomainError, ErrorKind, fromGrpcError, toGrpcError } from './errors';

describe('error mapping', () => {
  const table: Array<[ErrorKind, status, number]> = [
    ['not_found', status.NOT_FOUND, 404],
    ['invalid', status.INVALID_ARGUMENT, 400],
    ['conflict', status.ALREADY_EXISTS, 409],
    ['precondition', status.FAILED_PRECONDITION, 409],
    ['permission', status.PERMISSION_DENIED, 403],
    ['unauthenticated', status.UNAUTHENTICATED, 401],
    ['too_large', status.RESOURCE_EXHAUSTED, 413],
    ['unavailable', status.UNAVAILABLE, 503],
    ['outcome_unknown', status.UNKNOWN, 502],
    ['internal', status.INTERNAL, 500],
  ];

  it.each(table)('%s -> gRPC %i -> HTTP %i', (kind, grpcStatus, httpStatus) => {
    const wire = toGrpcError(new DomainError(kind, `some_${kind}`, `a ${kind} error`, { field: 'x' }));
    expect(wire.code).toBe(grpcStatus);

    const received = fromGrpcError({ code: wire.code, details: wire.message, metadata: wire.metadata });
    expect(received.httpStatus).toBe(httpStatus);
    expect(received.kind).toBe(kind);
    expect(received.code).toBe(`some_${kind}`);
    expect(received.details).toEqual({ field: 'x' });
  });

  it('carries details quoting any character (control, non-ASCII, lone surrogate) through metadata', () => {
    const details = { field: 'filter', reason: 'unexpected character "\u0085\u00e9\ud92d\u0004"', position: 0 };
    const wire = toGrpcError(new DomainError('invalid', 'invalid_filter', 'filter: unexpected character', details));
    const received = fromGrpcError({ code: wire.code, details: wire.message, metadata: wire.metadata });
    expect(received).toMatchObject({ httpStatus: 400, code: 'invalid_filter', details });
  });

  it('hides the text of unexpected errors', () => {
    const wire = toGrpcError(new TypeError('cannot read properties of undefined (secret internals)'));
    expect(wire.code).toBe(status.INTERNAL);
    expect(wire.message).toBe('Internal error');
    const received = fromGrpcError({ code: wire.code, details: wire.message, metadata: wire.metadata });
    expect(received).toMatchObject({ httpStatus: 500, code: 'internal_error', message: 'Internal error' });
  });

  it('maps transport failures without a kind: 503 only when the call never reached a service', () => {
    const transport = (code: status, details: string) => fromGrpcError({ code, details, metadata: new Metadata() });
    expect(
      transport(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'),
    ).toMatchObject({
      httpStatus: 503,
      code: 'service_unavailable',
    });
    expect(transport(status.UNAVAILABLE, 'Channel closed before call started')).toMatchObject({ httpStatus: 503 });
    expect(transport(status.UNAVAILABLE, 'Connection dropped')).toMatchObject({ httpStatus: 502, code: 'outcome_unknown' });
    expect(transport(status.DEADLINE_EXCEEDED, 'Deadline exceeded after 30.001s')).toMatchObject({
      httpStatus: 504,
      code: 'outcome_unknown',
    });
    expect(transport(status.UNAUTHENTICATED, 'bad token')).toMatchObject({ httpStatus: 500, message: 'Internal error' });
    expect(fromGrpcError(new Error('boom'))).toMatchObject({ httpStatus: 500 });
  });
});
