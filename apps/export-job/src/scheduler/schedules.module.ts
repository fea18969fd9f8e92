import { Module } from '@nestjs/common';
import { AutomaticExportController } from '../automatic/automatic-export.controller';
import { AutomaticExportRepository } from '../automatic/automatic-export.repository';
import { AutomaticExportService } from '../automatic/automatic-export.service';
import { AutomaticExportTask } from '../automatic/automatic-export.task';
import { CoveoScheduleRepository } from '../coveo-schedules/coveo-schedule.repository';
import { CoveoScheduleTask } from '../coveo-schedules/coveo-schedule.task';
import { CoveoSchedulesController } from '../coveo-schedules/coveo-schedules.controller';
import { CoveoSchedulesService } from '../coveo-schedules/coveo-schedules.service';
import { DestinationsModule } from '../destinations';
import { ExportScheduleRepository } from '../export-schedules/export-schedule.repository';
import { ScheduledExportTask } from '../export-schedules/export-schedule.task';
import { ExportSchedulesController } from '../export-schedules/export-schedules.controller';
import { ExportSchedulesService } from '../export-schedules/export-schedules.service';
import { GrpcScheduleNotifications, ScheduleNotifications } from '../export-schedules/schedule-notifications';
import { ExportJobsModule } from '../jobs/export-jobs.module';
import { RunRepository } from './run.repository';
import { SCHEDULED_TASKS, Scheduler } from './scheduler';

/** The scheduler and the work it runs: the automatic company export, scheduled exports, Coveo schedules. */
@Module({
  imports: [ExportJobsModule, DestinationsModule],
  controllers: [AutomaticExportController, ExportSchedulesController, CoveoSchedulesController],
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
    CoveoScheduleRepository,
    CoveoSchedulesService,
    CoveoScheduleTask,
    {
      provide: SCHEDULED_TASKS,
      inject: [AutomaticExportTask, ScheduledExportTask, CoveoScheduleTask],
      useFactory: (automatic: AutomaticExportTask, scheduled: ScheduledExportTask, coveo: CoveoScheduleTask) => [
        automatic,
        scheduled,
        coveo,
      ],
    },
  ],
})
export class SchedulesModule {}
