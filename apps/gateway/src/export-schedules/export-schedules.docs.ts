import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DATA_TYPES } from '../exports/create-export.dto';
import { COMPRESSIONS } from '../exports/export-job-contract';
import { FREQUENCIES, SCHEDULE_FORMATS, SCHEDULE_MODES } from './export-schedules.dto';

/** The event types `filters.eventTypes` takes (ExportFiltersDto's). */
const SCHEDULE_EVENT_TYPES = ['identify_user', 'identify_company', 'page_view', 'track', 'track_feature', 'feedback'];

const NULLABLE_STRING = { type: 'string', nullable: true } as const;
const NULLABLE_DATE_TIME = { type: 'string', format: 'date-time', nullable: true } as const;

export class ScheduleRunDeliveryDocs {
  @ApiProperty({ enum: ['webhook', 'email', 'destination'], example: 'webhook' }) channel!: string;
  @ApiProperty({ description: 'The URL, the address or the destination id.', example: 'https://hooks.example.com/exports' })
  recipient!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'], example: 'delivered' }) status!: string;
  @ApiProperty(NULLABLE_STRING) error!: string | null;
}

/** One run of a schedule: one period, exported once as an on-demand export. */
export class ScheduleRunDocs {
  @ApiProperty({ description: 'The day, or the week as `<Monday>_<Sunday>`.', example: '2026-11-23_2026-11-29' })
  period!: string;
  @ApiProperty({ format: 'date', example: '2026-11-23' }) from!: string;
  @ApiProperty({ format: 'date', example: '2026-11-29' }) to!: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'], example: 'succeeded' }) status!: string;
  @ApiProperty({ ...NULLABLE_STRING, description: 'The on-demand export of the run (`GET /api/v1/exports/{id}`).' })
  exportId!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) startedAt!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) endedAt!: string | null;
  @ApiProperty({ ...NULLABLE_STRING, description: 'What the storage or the export answered, when the run failed.' })
  error!: string | null;
  @ApiProperty({ type: [ScheduleRunDeliveryDocs] }) deliveries!: ScheduleRunDeliveryDocs[];
}

export class ScheduleFiltersDocs {
  @ApiProperty({ type: [String], example: [] }) userIds!: string[];
  @ApiProperty({ type: [String], example: [] }) companyIds!: string[];
  @ApiProperty({ enum: SCHEDULE_EVENT_TYPES, isArray: true, example: ['track'] }) eventTypes!: string[];
}

export class ScheduleDeliveryDocs {
  @ApiProperty({ ...NULLABLE_STRING, example: 'https://hooks.example.com/exports' }) webhookUrl!: string | null;
  @ApiProperty({ type: 'string', format: 'email', isArray: true, example: ['data@example.com'] }) emails!: string[];
  @ApiProperty({ ...NULLABLE_STRING, example: 'dst_7a6b5c4d3e2f4a1b9c8d7e6f5a4b3c2d' }) destinationId!: string | null;
}

/** A schedule as answered. */
export class ExportScheduleDocs {
  @ApiProperty({ example: 'sch_2f1e0d9c-8b7a-4655-9443-3b2a1f0e9d8c' }) id!: string;
  @ApiProperty({ enum: FREQUENCIES, example: 'daily' }) frequency!: string;
  @ApiProperty({ enum: DATA_TYPES, isArray: true, example: ['events'] }) dataTypes!: string[];
  @ApiProperty({ enum: SCHEDULE_FORMATS, example: 'jsonl' }) format!: string;
  @ApiProperty({ enum: COMPRESSIONS, example: 'gzip' }) compression!: string;
  @ApiProperty({ type: ScheduleFiltersDocs }) filters!: ScheduleFiltersDocs;
  @ApiProperty({ ...NULLABLE_STRING, example: "event_name == 'Opened report'" }) filter!: string | null;
  @ApiProperty({ enum: SCHEDULE_MODES, example: 'period' }) mode!: string;
  @ApiProperty({ type: ScheduleDeliveryDocs }) delivery!: ScheduleDeliveryDocs;
  @ApiProperty(NULLABLE_DATE_TIME) nextRunAt!: string | null;
  @ApiProperty({ type: () => ScheduleRunDocs, nullable: true, description: 'The latest run, if any.' })
  lastRun!: ScheduleRunDocs | null;
  @ApiProperty(NULLABLE_DATE_TIME) createdAt!: string | null;
}

export class ExportScheduleWithSecretDocs extends ExportScheduleDocs {
  @ApiPropertyOptional({
    description:
      "The schedule's webhook signing secret (Standard Webhooks), shown only when a `webhookUrl` is set by this request.",
    example: 'whsec_jjlHWkCE2eZYctjY32zuIoULrb2kTQLN/JqzEaTybvg=',
  })
  webhookSecret?: string;
}

export class ExportScheduleListDocs {
  @ApiProperty({ type: [ExportScheduleDocs] }) data!: ExportScheduleDocs[];
}

export class ScheduleRunListDocs {
  @ApiProperty({ type: [ScheduleRunDocs], description: 'Latest period first.' }) data!: ScheduleRunDocs[];
}

export class ScheduleRunStartedDocs {
  @ApiProperty({ description: 'The on-demand export of the run (`GET /api/v1/exports/{id}`).' }) exportId!: string;
}
