import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayModule } from './app.module';
import { GatewayEnv } from './config/env';
import { HttpErrorFilter } from './errors/http-error.filter';
import { createValidationPipe } from './errors/validation';

/** Builds the HTTP gateway (Fastify): validation, error mapping and routes. */
export async function createGateway(env: GatewayEnv): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(env),
    new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
    { bufferLogs: false },
  );
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  return app;
}
