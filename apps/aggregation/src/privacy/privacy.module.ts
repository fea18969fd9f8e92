import { Module } from '@nestjs/common';
import { ExclusionsModule } from '../exclusions/exclusions.module';
import { FeaturesModule } from '../features/features.module';
import { UserDataController } from './user-data.controller';
import { UserDataRepository } from './user-data.repository';
import { UserDataService } from './user-data.service';
import { UserErasureController } from './user-erasure.controller';
import { UserErasureRepository } from './user-erasure.repository';
import { UserErasureService } from './user-erasure.service';

/** privacy.v1 as aggregation serves it: a user's data (UserDataService) and its erasure (UserErasureService). */
@Module({
  imports: [FeaturesModule, ExclusionsModule],
  controllers: [UserDataController, UserErasureController],
  providers: [UserDataService, UserDataRepository, UserErasureService, UserErasureRepository],
})
export class PrivacyModule {}
