import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { health } from '@exportd/contracts';
import type { FastifyReply } from 'fastify';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { HealthDocs, HealthUnavailableDocs } from './health.docs';

/** GET /healthz: 200 when all four services answer their gRPC health check, else 503 naming those that do not. */
@ApiTags('Health')
@Controller()
export class HealthController {
  constructor(private readonly clients: ServiceClients) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Health check', description: "The four services' gRPC health checks." })
  @ApiOkResponse({ type: HealthDocs, description: 'Every service is serving.' })
  @ApiServiceUnavailableResponse({ type: HealthUnavailableDocs, description: 'Some service does not answer.' })
  async check(@Res() reply: FastifyReply): Promise<void> {
    const results = await Promise.all(
      Object.entries(this.clients.health).map(async ([name, client]) => {
        try {
          const answer = await client.check({ service: '' });
          return { name, ok: answer.status === health.HealthCheckResponse_ServingStatus.SERVING };
        } catch {
          return { name, ok: false };
        }
      }),
    );
    const unavailable = results.filter((r) => !r.ok).map((r) => r.name);
    const services = Object.fromEntries(results.map((r) => [r.name, r.ok ? 'serving' : 'unavailable']));
    if (unavailable.length === 0) {
      await reply.status(HttpStatus.OK).send({ status: 'ok', services });
    } else {
      await reply.status(HttpStatus.SERVICE_UNAVAILABLE).send({ status: 'unavailable', unavailable, services });
    }
  }
}
