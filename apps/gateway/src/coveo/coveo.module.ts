import { Module } from '@nestjs/common';
import { CoveoDimensionsController } from './coveo-dimensions.controller';
import { CoveoReportingFiltersController } from './coveo-reporting-filters.controller';

/** The Coveo-compatible API (Usage Analytics Read API v15, `/rest/ua/v15/...`). */
@Module({ controllers: [CoveoDimensionsController, CoveoReportingFiltersController] })
export class CoveoModule {}
