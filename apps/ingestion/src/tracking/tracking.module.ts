import { Module } from '@nestjs/common';
import { TrackingController } from './tracking.controller';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';

@Module({ controllers: [TrackingController], providers: [TrackingService, TrackingRepository] })
export class TrackingModule {}
