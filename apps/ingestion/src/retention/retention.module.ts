import { DynamicModule, Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module';
import { TrackingModule } from '../tracking/tracking.module';
import { RetentionController } from './retention.controller';
import { RetentionPolicyRepository } from './retention-policy.repository';
import { RetentionSweepRepository } from './retention-sweep.repository';
import { RetentionService } from './retention.service';
import { RETENTION_SWEEP_CONFIG, RetentionSweepConfig, RetentionSweeper } from './retention.sweeper';

@Module({})
export class RetentionModule {
  static forRoot(config: RetentionSweepConfig): DynamicModule {
    return {
      module: RetentionModule,
      imports: [AppsModule, TrackingModule],
      controllers: [RetentionController],
      providers: [
        { provide: RETENTION_SWEEP_CONFIG, useValue: config },
        RetentionService,
        RetentionPolicyRepository,
        RetentionSweepRepository,
        RetentionSweeper,
      ],
    };
  }
}
