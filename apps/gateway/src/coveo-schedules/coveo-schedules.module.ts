import { Module } from '@nestjs/common';
import { COVEO_CONFIG, loadCoveoConfig } from '../coveo/coveo.config';
import { CoveoSchedulesController } from './coveo-schedules.controller';

/** Coveo-compatible export schedules, beside the Coveo exports (CoveoModule). */
@Module({
  controllers: [CoveoSchedulesController],
  providers: [{ provide: COVEO_CONFIG, useFactory: loadCoveoConfig }],
})
export class CoveoSchedulesModule {}
