import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { health } from '@exportd/contracts';
import type { FastifyReply } from 'fastify';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';

/** GET /healthz: 200 when all four services answer their gRPC health check, else 503 naming those that do not. */
@Controller()
export class HealthController {
  constructor(private readonly clients: ServiceClients) {}

  @Get('healthz')
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
