import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsEmail, IsIn, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { DATA_TYPES, ExportFiltersDto } from '../exports/create-export.dto';

export const FREQUENCIES = ['daily', 'weekly'];
export const SCHEDULE_FORMATS = ['csv', 'jsonl'];
export const SCHEDULE_MODES = ['period', 'incremental'];

/** Where a run's files go; export-job requires at least one target. */
export class ScheduleDeliveryDto {
  /** https; receives Standard Webhooks-signed `export.completed` / `export.failed` with the schedule's own secret. */
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  webhookUrl?: string;

  @IsOptional()
  @IsArray()
  @IsEmail({}, { each: true, message: 'delivery.emails must be email addresses' })
  emails?: string[];

  @IsOptional()
  @IsString()
  @Length(1, 100)
  destinationId?: string;
}

/** POST /api/v1/export-schedules (seed 003's scheduled exports): the shape only; export-job owns the rules. */
export class CreateExportScheduleDto {
  @IsIn(FREQUENCIES, { message: 'frequency must be daily or weekly' })
  frequency!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(DATA_TYPES, { each: true, message: `dataTypes values must be among ${DATA_TYPES.join(', ')}` })
  dataTypes!: string[];

  @IsIn(SCHEDULE_FORMATS, { message: 'format must be csv or jsonl' })
  format!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => ExportFiltersDto)
  filters?: ExportFiltersDto;

  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  filter?: string;

  /** `period` (default): the period's days by event time; `incremental`: the rows received during the period. */
  @IsOptional()
  @IsIn(SCHEDULE_MODES, { message: 'mode must be period or incremental' })
  mode?: string;

  @ValidateNested()
  @Type(() => ScheduleDeliveryDto)
  delivery!: ScheduleDeliveryDto;
}

/** PATCH: the fields given replace the stored ones. */
export class UpdateExportScheduleDto {
  @IsOptional()
  @IsIn(FREQUENCIES, { message: 'frequency must be daily or weekly' })
  frequency?: string;

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(DATA_TYPES, { each: true, message: `dataTypes values must be among ${DATA_TYPES.join(', ')}` })
  dataTypes?: string[];

  @IsOptional()
  @IsIn(SCHEDULE_FORMATS, { message: 'format must be csv or jsonl' })
  format?: string;

  @IsOptional()
  @IsString()
  @Length(0, 10_000)
  filter?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleDeliveryDto)
  delivery?: ScheduleDeliveryDto;
}
