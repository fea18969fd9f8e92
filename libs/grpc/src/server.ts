import { DynamicModule, INestMicroservice, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { join } from 'node:path';
import { DomainErrorFilter } from './domain-error.filter';
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
}

/** Starts a NestJS gRPC service: health service, internal-token guard and error mapping included. */
export async function startGrpcService(options: GrpcServiceOptions): Promise<INestMicroservice> {
  const served = (['health', ...options.packages] as ProtoPackageName[]).map((name) => PROTO_PACKAGES[name]);
  const port = options.address.slice(options.address.lastIndexOf(':') + 1);
  const url = `${options.bindHost.includes(':') ? `[${options.bindHost}]` : options.bindHost}:${port}`;
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(options.module, {
    transport: Transport.GRPC,
    options: {
      url,
      package: served.map((p) => p.package),
      protoPath: served.flatMap((p) => p.files.map((file) => join(PROTO_ROOT, file))),
      loader: { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, enums: Number, defaults: true, oneofs: true },
      maxReceiveMessageLength: MAX_GRPC_MESSAGE_BYTES,
      maxSendMessageLength: MAX_GRPC_MESSAGE_BYTES,
    },
    bufferLogs: false,
  });
  app.useGlobalGuards(new InternalTokenGuard(options.internalToken));
  app.useGlobalFilters(new DomainErrorFilter());
  app.enableShutdownHooks();
  await app.listen();
  new Logger(options.name).log(`gRPC listening on ${url}`);
  return app;
}
