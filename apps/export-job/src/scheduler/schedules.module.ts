import { Module } from '@nestjs/common';
import { AutomaticExportController } from '../automatic/automatic-export.controller';
import { AutomaticExportRepository } from '../automatic/automatic-export.repository';
import { AutomaticExportService } from '../automatic/automatic-export.service';
import { AutomaticExportTask } from '../automatic/automatic-export.task';
import { DestinationsModule } from '../destinations';
import { ExportJobsModule } from '../jobs/export-jobs.module';
import { RunRepository } from './run.repository';
import { SCHEDULED_TASKS, Scheduler } from './scheduler';

/** The scheduler and the work it runs: the automatic company export. */
@Module({
  imports: [ExportJobsModule, DestinationsModule],
  controllers: [AutomaticExportController],
  providers: [
    RunRepository,
    Scheduler,
    AutomaticExportRepository,
    AutomaticExportService,
    AutomaticExportTask,
    { provide: SCHEDULED_TASKS, inject: [AutomaticExportTask], useFactory: (automatic: AutomaticExportTask) => [automatic] },
  ],
})
export class SchedulesModule {}
