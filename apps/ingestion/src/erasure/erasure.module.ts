import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module';
import { TrackingModule } from '../tracking/tracking.module';
import { UserErasureController } from './user-erasure.controller';
import { UserErasureRepository } from './user-erasure.repository';
import { UserErasureService } from './user-erasure.service';

@Module({
  imports: [AppsModule, TrackingModule],
  controllers: [UserErasureController],
  providers: [UserErasureService, UserErasureRepository],
})
export class ErasureModule {}
