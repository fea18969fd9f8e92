import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { metrics, REQUEST_ID_HEADER, requestIdFrom, secondsSince, withRequestId } from '@exportd/observability';
import { Counter, Histogram } from 'prom-client';
import { Observable, tap } from 'rxjs';
import { toGrpcError } from './errors';

const calls = new Counter({
  name: 'exportd_grpc_server_calls_total',
  help: 'gRPC calls served, by method and status code',
  labelNames: ['method', 'code'] as const,
  registers: [metrics],
});
const durations = new Histogram({
  name: 'exportd_grpc_server_duration_seconds',
  help: 'Time to answer a gRPC call (to the last message of a stream), by method and status code',
  labelNames: ['method', 'code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metrics],
});

/** Where Nest keeps a handler's @GrpcMethod pattern (`{ service, rpc }`). */
const PATTERN_METADATA = 'microservices:pattern';

/**
 * Every gRPC call runs as part of the request its caller sent in `x-request-id` metadata (a new id when none):
 * the service's log lines and its own outgoing calls carry it. Each call is counted and timed, and logged
 * once when it ends (health checks only counted).
 */
@Injectable()
export class GrpcCallInterceptor implements NestInterceptor {
  private readonly logger = new Logger('grpc');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata = context.switchToRpc().getContext<Metadata | undefined>();
    const requestId = requestIdFrom(metadata?.get?.(REQUEST_ID_HEADER)[0]?.toString());
    const method = methodName(context);
    const quiet = method.startsWith('Health/');
    const startedAt = process.hrtime.bigint();
    const done = (code: string) => {
      const seconds = secondsSince(startedAt);
      calls.inc({ method, code });
      durations.observe({ method, code }, seconds);
      if (!quiet)
        withRequestId(requestId, () =>
          this.logger.log({ msg: 'grpc call', method, code, durationMs: Math.round(seconds * 1000) }),
        );
    };
    return new Observable((subscriber) =>
      withRequestId(requestId, () =>
        next
          .handle()
          .pipe(tap({ complete: () => done('OK'), error: (error: unknown) => done(statusName(error)) }))
          .subscribe(subscriber),
      ),
    );
  }
}

function methodName(context: ExecutionContext): string {
  const patterns = Reflect.getMetadata(PATTERN_METADATA, context.getHandler()) as unknown;
  const pattern = (Array.isArray(patterns) ? patterns[0] : patterns) as { service?: string; rpc?: string } | undefined;
  return pattern?.service && pattern.rpc
    ? `${pattern.service}/${pattern.rpc}`
    : `${context.getClass().name}.${context.getHandler().name}`;
}

/** The status the caller receives (what DomainErrorFilter will answer). */
function statusName(error: unknown): string {
  const code = error instanceof RpcException ? (error.getError() as { code?: number }).code : toGrpcError(error).code;
  return typeof code === 'number' ? (GrpcStatus[code] ?? String(code)) : 'UNKNOWN';
}
