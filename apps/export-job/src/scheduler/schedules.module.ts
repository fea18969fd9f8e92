import { Module } from '@nestjs/common';
import { AutomaticExportController } from '../automatic/automatic-export.controller';
import { AutomaticExportRepository } from '../automatic/automatic-export.repository';
import { AutomaticExportService } from '../automatic/automatic-export.service';
import { AutomaticExportTask } from '../automatic/automatic-export.task';
import { DestinationsModule } from '../destinations';
import { ExportScheduleRepository } from '../export-schedules/export-schedule.repository';
import { ScheduledExportTask } from '../export-schedules/export-schedule.task';
import { ExportSchedulesController } from '../export-schedules/export-schedules.controller';
import { ExportSchedulesService } from '../export-schedules/export-schedules.service';
import { GrpcScheduleNotifications, ScheduleNotifications } from '../export-schedules/schedule-notifications';
import { ExportJobsModule } from '../jobs/export-jobs.module';
import { RunRepository } from './run.repository';
import { SCHEDULED_TASKS, Scheduler } from './scheduler';

/** The scheduler and the work it runs: the automatic company export and scheduled exports. */
@Module({
  imports: [ExportJobsModule, DestinationsModule],
  controllers: [AutomaticExportController, ExportSchedulesController],
  providers: [
    RunRepository,
    Scheduler,
    AutomaticExportRepository,
    AutomaticExportService,
    AutomaticExportTask,
    ExportScheduleRepository,
    ExportSchedulesService,
    ScheduledExportTask,
    { provide: ScheduleNotifications, useClass: GrpcScheduleNotifications },
    {
      provide: SCHEDULED_TASKS,
      inject: [AutomaticExportTask, ScheduledExportTask],
      useFactory: (automatic: AutomaticExportTask, scheduled: ScheduledExportTask) => [automatic, scheduled],
    },
  ],
})
export class SchedulesModule {}
