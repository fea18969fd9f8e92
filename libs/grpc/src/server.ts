import { DynamicModule, INestMicroservice, Logger as NestLogger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { initMetrics, LogFormat, loggerModule, LogLevel, startMetricsServer } from '@exportd/observability';
import { Logger } from 'nestjs-pino';
import { join } from 'node:path';
import { DomainErrorFilter } from './domain-error.filter';
import { GrpcCallInterceptor } from './grpc-call.interceptor';
import { InternalTokenGuard } from './internal-token.guard';
import { PROTO_PACKAGES, PROTO_ROOT, ProtoPackageName } from './proto-files';

export const MAX_GRPC_MESSAGE_BYTES = 32 * 1024 * 1024;

export interface GrpcServiceOptions {
  name: string;
  module: Type<unknown> | DynamicModule;
  /** Proto packages this service serves, besides grpc.health.v1. */
  packages: ProtoPackageName[];
  bindHost: string;
  /** host:port the service is reached at; the port is the one it listens on. */
  address: string;
  internalToken: string;
  /** LOG_LEVEL, LOG_FORMAT, METRICS_PORT (0: no /metrics) and METRICS_BIND_HOST. */
  observability: { LOG_LEVEL: LogLevel; LOG_FORMAT: LogFormat; METRICS_PORT: number; METRICS_BIND_HOST: string };
}

@Module({})
class ServiceRootModule {}

/**
 * Starts a NestJS gRPC service: health service, internal-token guard, error mapping, structured logs (pino),
 * request ids and call metrics included, and GET /metrics on METRICS_PORT when set.
 */
export async function startGrpcService(options: GrpcServiceOptions): Promise<INestMicroservice> {
  const { LOG_LEVEL, LOG_FORMAT, METRICS_PORT, METRICS_BIND_HOST } = options.observability;
  initMetrics(options.name);
  const served = (['health', ...options.packages] as ProtoPackageName[]).map((name) => PROTO_PACKAGES[name]);
  const port = options.address.slice(options.address.lastIndexOf(':') + 1);
  const url = `${options.bindHost.includes(':') ? `[${options.bindHost}]` : options.bindHost}:${port}`;
  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [loggerModule({ service: options.name, level: LOG_LEVEL, format: LOG_FORMAT }), options.module],
  };
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(root, {
    transport: Transport.GRPC,
    options: {
      url,
      package: served.map((p) => p.package),
      protoPath: served.flatMap((p) => p.files.map((file) => join(PROTO_ROOT, file))),
      loader: { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, enums: Number, defaults: true, oneofs: true },
      maxReceiveMessageLength: MAX_GRPC_MESSAGE_BYTES,
      maxSendMessageLength: MAX_GRPC_MESSAGE_BYTES,
    },
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalGuards(new InternalTokenGuard(options.internalToken));
  app.useGlobalFilters(new DomainErrorFilter());
  app.useGlobalInterceptors(new GrpcCallInterceptor());
  app.enableShutdownHooks();
  await app.listen();
  const logger = new NestLogger(options.name);
  logger.log(`gRPC listening on ${url}`);
  if (METRICS_PORT > 0) {
    await startMetricsServer(METRICS_PORT, METRICS_BIND_HOST);
    logger.log(`metrics on http://${METRICS_BIND_HOST}:${METRICS_PORT}/metrics`);
  }
  return app;
}
