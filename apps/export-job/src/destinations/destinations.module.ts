import { Module } from '@nestjs/common';
import { SecretBox } from '@exportd/runtime';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { DestinationRepository } from './destination.repository';
import { DestinationStorage, S3DestinationStorage } from './destination-storage';
import { DestinationWriter } from './destination-writer';
import { DestinationsController } from './destinations.controller';
import { DESTINATIONS_OUTBOUND_POLICY, DestinationsService } from './destinations.service';

/** Destinations (the customer's storage): the gRPC API, and DestinationsService and DestinationWriter for the scheduler. */
@Module({
  controllers: [DestinationsController],
  providers: [
    DestinationRepository,
    DestinationsService,
    DestinationWriter,
    {
      provide: DESTINATIONS_OUTBOUND_POLICY,
      inject: [EXPORT_JOB_ENV],
      useFactory: (env: ExportJobEnv) => ({ allowPrivateNetworks: env.OUTBOUND_ALLOW_PRIVATE_NETWORKS }),
    },
    {
      provide: DestinationStorage,
      inject: [DESTINATIONS_OUTBOUND_POLICY],
      useFactory: (policy: { allowPrivateNetworks: boolean }) => new S3DestinationStorage(policy),
    },
    { provide: SecretBox, inject: [EXPORT_JOB_ENV], useFactory: (env: ExportJobEnv) => new SecretBox(env.ENCRYPTION_KEY) },
  ],
  exports: [DestinationsService, DestinationWriter],
})
export class DestinationsModule {}
