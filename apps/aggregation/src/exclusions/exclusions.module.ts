import { Module } from '@nestjs/common';
import { ExclusionsController } from './exclusions.controller';
import { ExclusionsRepository } from './exclusions.repository';
import { ExclusionsService } from './exclusions.service';

@Module({
  controllers: [ExclusionsController],
  providers: [ExclusionsService, ExclusionsRepository],
  exports: [ExclusionsService],
})
export class ExclusionsModule {}
