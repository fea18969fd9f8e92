import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SecretBox, SystemClock } from '@exportd/runtime';
import { NotificationEnv } from './config/env';
import { Mailer, NodemailerMailer } from './email/mailer';
import { NodeOutboundHttp, OutboundHttp } from './outbound/outbound-http';
import { OUTBOUND_POLICY, OUTBOX_OPTIONS, OutboxOptions, RETRY_SCHEDULE } from './outbound/outbound.tokens';
import { OutboxModule } from './outbox/outbox.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Adapters a test may replace (a fake mailer, a manual clock). */
export interface NotificationAdapters {
  clock?: Clock;
  mailer?: Mailer;
  http?: OutboundHttp;
}

@Global()
@Module({})
export class NotificationModule {
  static forRoot(env: NotificationEnv, adapters: NotificationAdapters = {}): DynamicModule {
    const policy = { allowPrivateNetworks: env.OUTBOUND_ALLOW_PRIVATE_NETWORKS };
    const options: OutboxOptions = {
      pollIntervalMs: env.DELIVERY_POLL_INTERVAL_MS,
      concurrency: env.DELIVERY_CONCURRENCY,
    };
    return {
      module: NotificationModule,
      imports: [MongoModule.forRoot(env.MONGO_URL), WebhooksModule, OutboxModule],
      controllers: [GrpcHealthController],
      providers: [
        { provide: Clock, useValue: adapters.clock ?? new SystemClock() },
        { provide: SecretBox, useValue: new SecretBox(env.ENCRYPTION_KEY) },
        { provide: OUTBOUND_POLICY, useValue: policy },
        { provide: RETRY_SCHEDULE, useValue: env.DELIVERY_RETRY_SCHEDULE },
        { provide: OUTBOX_OPTIONS, useValue: options },
        { provide: Mailer, useFactory: () => adapters.mailer ?? new NodemailerMailer(env.SMTP_URL, env.SMTP_FROM) },
        { provide: OutboundHttp, useFactory: () => adapters.http ?? new NodeOutboundHttp(policy) },
      ],
      exports: [Clock, SecretBox, OUTBOUND_POLICY, RETRY_SCHEDULE, OUTBOX_OPTIONS, Mailer, OutboundHttp],
    };
  }
}
