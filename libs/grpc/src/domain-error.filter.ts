import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { DomainError, toGrpcError } from './errors';

/** Turns whatever a handler throws into a gRPC status with the error kind and code in metadata. */
@Catch()
export class DomainErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('grpc');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    if (exception instanceof RpcException) {
      // Raised on purpose with an explicit status (e.g. the internal-token guard).
      return throwError(() => exception.getError());
    }
    if (!(exception instanceof DomainError) || exception.kind === 'internal') {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    return throwError(() => toGrpcError(exception));
  }
}
