import { Module } from '@nestjs/common';
import { CoveoSchedulesController } from '../coveo-schedules/coveo-schedules.controller';
import { CoveoDimensionsController } from './coveo-dimensions.controller';
import { CoveoExportsController } from './coveo-exports.controller';
import { CoveoReportingFiltersController } from './coveo-reporting-filters.controller';
import { COVEO_CONFIG, loadCoveoConfig } from './coveo.config';

/** The Coveo-compatible API (Usage Analytics Read API v15, `/rest/ua/v15/...`). */
@Module({
  controllers: [CoveoDimensionsController, CoveoReportingFiltersController, CoveoExportsController, CoveoSchedulesController],
  providers: [{ provide: COVEO_CONFIG, useFactory: loadCoveoConfig }],
})
export class CoveoModule {}
