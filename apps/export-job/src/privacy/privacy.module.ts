import { Module } from '@nestjs/common';
import { ExportJobsModule } from '../jobs/export-jobs.module';
import { ExportFilesEraser } from './export-files-eraser';
import { GrpcPrivacyPeers, PrivacyPeers } from './privacy-peers';
import { PrivacyRequestRepository } from './privacy-request.repository';
import { PrivacyRequestsService } from './privacy-requests.service';
import { PrivacyController } from './privacy.controller';
import { PrivacyWorker } from './privacy-worker';
import { UserDataSweeper } from './user-data-sweeper';

/** Privacy requests: a user's data export and erasure, coordinated here, carried out by every service. */
@Module({
  imports: [ExportJobsModule],
  controllers: [PrivacyController],
  providers: [
    PrivacyRequestRepository,
    PrivacyRequestsService,
    PrivacyWorker,
    UserDataSweeper,
    ExportFilesEraser,
    { provide: PrivacyPeers, useClass: GrpcPrivacyPeers },
  ],
})
export class PrivacyModule {}
