import { Controller, Get, INestMicroservice, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { health } from '@exportd/contracts';
import { createGrpcClient, DomainError, ErrorKind, startGrpcService } from '@exportd/grpc';
import { freePort } from '@exportd/testing';
import { status } from '@grpc/grpc-js';
import request from 'supertest';
import { HttpErrorFilter } from '../src/errors/http-error.filter';

const TOKEN = 'round-trip-token-0123456789';

/** A real gRPC service whose health check throws the error named by the request. */
@Controller()
@health.HealthControllerMethods()
class ThrowingHealthController implements health.HealthController {
  check(request: health.HealthCheckRequest): health.HealthCheckResponse {
    if (request.service === 'unexpected') throw new TypeError('secret internals at /srv/app.js:42');
    throw new DomainError(request.service as ErrorKind, `probe_${request.service}`, `probe ${request.service}`, { probe: true });
  }
}

@Module({ controllers: [ThrowingHealthController] })
class ThrowingModule {}

describe('errors across the wire (real gRPC and HTTP)', () => {
  let service: INestMicroservice;
  let http: NestFastifyApplication;
  let address: string;

  beforeAll(async () => {
    address = `127.0.0.1:${await freePort()}`;
    service = await startGrpcService({
      name: 'probe',
      module: ThrowingModule,
      packages: [],
      bindHost: '127.0.0.1',
      address,
      internalToken: TOKEN,
      observability: { LOG_LEVEL: 'warn', LOG_FORMAT: 'json', METRICS_PORT: 0, METRICS_BIND_HOST: '127.0.0.1' },
    });
    const client = createGrpcClient(health.HealthService, { address, internalToken: TOKEN });

    @Controller()
    class ProbeController {
      @Get('probe/:kind')
      probe(@Param('kind') kind: string) {
        return client.check({ service: kind });
      }
    }
    @Module({ controllers: [ProbeController] })
    class ProbeHttpModule {}

    http = await NestFactory.create<NestFastifyApplication>(ProbeHttpModule, new FastifyAdapter(), { logger: false });
    http.useGlobalFilters(new HttpErrorFilter());
    await http.init();
    await http.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await http?.close();
    await service?.close();
  });

  it.each([
    ['not_found', 404],
    ['invalid', 400],
    ['conflict', 409],
    ['permission', 403],
    ['unavailable', 503],
  ])('a %s domain error reaches the HTTP client as %i with its code and message', async (kind, httpStatus) => {
    const response = await request(http.getHttpServer()).get(`/probe/${kind}`);
    expect(response.status).toBe(httpStatus);
    expect(response.body).toEqual({
      error: { status: httpStatus, code: `probe_${kind}`, message: `probe ${kind}`, details: { probe: true } },
    });
  });

  it('an unexpected error is a 500 without its message or stack', async () => {
    const response = await request(http.getHttpServer()).get('/probe/unexpected');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { status: 500, code: 'internal_error', message: 'Internal error' } });
    expect(response.text).not.toMatch(/secret internals|app\.js|TypeError/);
  });

  it('a gRPC call without the internal token is refused with UNAUTHENTICATED', async () => {
    const anonymous = createGrpcClient(health.HealthService, { address, internalToken: 'wrong-token-000000000000' });
    await expect(anonymous.check({ service: 'not_found' })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    anonymous.close();
  });
});
