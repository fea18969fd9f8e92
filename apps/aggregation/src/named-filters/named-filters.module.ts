import { Module } from '@nestjs/common';
import { NamedFilterRepository } from './named-filter.repository';
import { NamedFiltersController } from './named-filters.controller';
import { NamedFiltersService } from './named-filters.service';

@Module({
  controllers: [NamedFiltersController],
  providers: [NamedFiltersService, NamedFilterRepository],
  exports: [NamedFiltersService],
})
export class NamedFiltersModule {}
