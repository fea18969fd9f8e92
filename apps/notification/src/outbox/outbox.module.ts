import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { DeliveryRepository } from './delivery.repository';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { OutboxWorker } from './outbox.worker';

@Module({
  imports: [WebhooksModule],
  controllers: [NotificationsController],
  providers: [DeliveryRepository, NotificationsService, OutboxWorker],
})
export class OutboxModule {}
