import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CompressionField, DATA_TYPES, ExportFiltersDto } from '../exports/create-export.dto';

export const FREQUENCIES = ['daily', 'weekly'];
export const SCHEDULE_FORMATS = ['csv', 'jsonl', 'parquet'];
export const SCHEDULE_MODES = ['period', 'incremental'];

const FREQUENCY_DOCS = {
  enum: FREQUENCIES,
  description: 'A daily run exports the previous UTC day, a weekly run the previous Monday-Sunday week.',
  example: 'daily',
};
const DATA_TYPES_DOCS = { enum: DATA_TYPES, isArray: true, minItems: 1, example: ['events'] };
const FORMAT_DOCS = { enum: SCHEDULE_FORMATS, example: 'jsonl' };

const FILTER_DESCRIPTION =
  "A row filter in the filter language over the data types' columns and `attributes.<key>`; `$NAME` for a named filter.";

/** Where a run's files go; export-job requires at least one target. */
export class ScheduleDeliveryDto {
  /** https; receives Standard Webhooks-signed `export.completed` / `export.failed` with the schedule's own secret. */
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 2048,
    description:
      "An https endpoint of this schedule only: it gets signed `export.completed` / `export.failed` with the schedule's own " +
      'secret (`webhookSecret`, shown when the URL is set).',
    example: 'https://hooks.example.com/exports',
  })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  webhookUrl?: string;

  @ApiPropertyOptional({
    type: 'string',
    format: 'email',
    isArray: true,
    description: 'Each address gets the links of every run.',
    example: ['data@example.com'],
  })
  @IsOptional()
  @IsArray()
  @IsEmail({}, { each: true, message: 'delivery.emails must be email addresses' })
  emails?: string[];

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    description: 'A destination of the app: each run copies its files and manifest under `<key>/<scheduleId>/<period>/`.',
    example: 'dst_7a6b5c4d3e2f4a1b9c8d7e6f5a4b3c2d',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  destinationId?: string;
}

/** POST /api/v1/export-schedules (seed 003's scheduled exports): the shape only; export-job owns the rules. */
export class CreateExportScheduleDto {
  @ApiProperty(FREQUENCY_DOCS)
  @IsIn(FREQUENCIES, { message: 'frequency must be daily or weekly' })
  frequency!: string;

  @ApiProperty(DATA_TYPES_DOCS)
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(DATA_TYPES, { each: true, message: `dataTypes values must be among ${DATA_TYPES.join(', ')}` })
  dataTypes!: string[];

  @ApiProperty(FORMAT_DOCS)
  @IsIn(SCHEDULE_FORMATS, { message: 'format must be csv, jsonl or parquet' })
  format!: string;

  @CompressionField()
  compression?: string;

  @ApiPropertyOptional({ type: () => ExportFiltersDto, description: 'Only these users, companies and event types.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ExportFiltersDto)
  filters?: ExportFiltersDto;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 10_000,
    description: FILTER_DESCRIPTION,
    example: "event_name == 'Opened report'",
  })
  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  filter?: string;

  /** `period` (default): the period's days by event time; `incremental`: the rows received during the period. */
  @ApiPropertyOptional({
    enum: SCHEDULE_MODES,
    default: 'period',
    description:
      '`period`: the rows of the period by event time; `incremental` (events and feedback only): the rows received during ' +
      'the period, so a late event is exported once, in the run after it arrived.',
  })
  @IsOptional()
  @IsIn(SCHEDULE_MODES, { message: 'mode must be period or incremental' })
  mode?: string;

  @ApiProperty({ type: () => ScheduleDeliveryDto, description: 'At least one of `webhookUrl`, `emails`, `destinationId`.' })
  // ValidateNested alone lets a missing delivery through.
  @IsObject({ message: 'delivery must be an object with at least one of webhookUrl, emails, destinationId' })
  @ValidateNested()
  @Type(() => ScheduleDeliveryDto)
  delivery!: ScheduleDeliveryDto;
}

/** PATCH: the fields given replace the stored ones. */
export class UpdateExportScheduleDto {
  @ApiPropertyOptional(FREQUENCY_DOCS)
  // Validated whenever given: IsOptional would let a null through as if left out.
  @ValidateIf((_: UpdateExportScheduleDto, value: unknown) => value !== undefined)
  @IsIn(FREQUENCIES, { message: 'frequency must be daily or weekly' })
  frequency?: string;

  @ApiPropertyOptional(DATA_TYPES_DOCS)
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(DATA_TYPES, { each: true, message: `dataTypes values must be among ${DATA_TYPES.join(', ')}` })
  dataTypes?: string[];

  @ApiPropertyOptional(FORMAT_DOCS)
  @IsOptional()
  @IsIn(SCHEDULE_FORMATS, { message: 'format must be csv, jsonl or parquet' })
  format?: string;

  @CompressionField()
  compression?: string;

  @ApiPropertyOptional({ minLength: 0, maxLength: 10_000, description: `${FILTER_DESCRIPTION} Empty: no filter.` })
  @IsOptional()
  @IsString()
  @Length(0, 10_000)
  filter?: string;

  @ApiPropertyOptional({
    type: () => ScheduleDeliveryDto,
    description: 'Replaces the delivery; a new `webhookUrl` gets a new secret (`webhookSecret` in the answer).',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleDeliveryDto)
  delivery?: ScheduleDeliveryDto;
}
