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

  it('hides the text of unexpected errors', () => {
    const wire = toGrpcError(new TypeError('cannot read properties of undefined (secret internals)'));
    expect(wire.code).toBe(status.INTERNAL);
    expect(wire.message).toBe('Internal error');
    const received = fromGrpcError({ code: wire.code, details: wire.message, metadata: wire.metadata });
    expect(received).toMatchObject({ httpStatus: 500, code: 'internal_error', message: 'Internal error' });
  });

  it('maps transport failures without a kind to 503 or 500', () => {
    expect(fromGrpcError({ code: status.UNAVAILABLE, details: 'connect ECONNREFUSED', metadata: new Metadata() })).toMatchObject({
      httpStatus: 503,
      code: 'service_unavailable',
    });
    expect(fromGrpcError({ code: status.UNAUTHENTICATED, details: 'bad token', metadata: new Metadata() })).toMatchObject({
      httpStatus: 500,
      message: 'Internal error',
    });
    expect(fromGrpcError(new Error('boom'))).toMatchObject({ httpStatus: 500 });
  });
});
