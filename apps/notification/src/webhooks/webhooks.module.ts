import { Module } from '@nestjs/common';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';

@Module({
  controllers: [WebhookEndpointsController],
  providers: [WebhookEndpointRepository, WebhookEndpointsService],
  exports: [WebhookEndpointRepository, WebhookEndpointsService],
})
export class WebhooksModule {}
