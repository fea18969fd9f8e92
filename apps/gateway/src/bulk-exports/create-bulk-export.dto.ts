import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { CompressionField } from '../exports/create-export.dto';

/** Event types of the Bulk Data Export API; feedback is this platform's addition. */
export const BULK_EVENT_TYPES = [
  'identify_user',
  'identify_company',
  'page_view',
  'track',
  'track_feature',
  'interaction',
  'feedback',
];
// Without `event_type`, export-job exports all of them (DEFAULT_BULK_EVENT_TYPES).
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** POST /api/v1/analytics/exports/ (seed 002): every parameter of the seed. */
export class CreateBulkExportDto {
  @ApiProperty({ type: String, format: 'date', description: 'The first day (UTC), YYYY-MM-DD.', example: '2024-06-01' })
  @IsString({ message: 'from is required: the start date in YYYY-MM-DD format' })
  @Matches(DAY, { message: 'from must be a date in YYYY-MM-DD format' })
  from!: string;

  @ApiProperty({
    type: String,
    format: 'date',
    description: 'The last day (UTC), included; not before `from`.',
    example: '2024-06-30',
  })
  @IsString({ message: 'to is required: the end date in YYYY-MM-DD format' })
  @Matches(DAY, { message: 'to must be a date in YYYY-MM-DD format' })
  to!: string;

  @ApiPropertyOptional({ type: [String], description: 'Addresses emailed the download links when the job completes.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  emails?: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: BULK_EVENT_TYPES,
    description: 'Event types to export; none: all of them (`interaction` has no source here and matches nothing).',
  })
  @IsOptional()
  @IsArray()
  @IsIn(BULK_EVENT_TYPES, { each: true, message: `event_type values must be among ${BULK_EVENT_TYPES.join(', ')}` })
  event_type?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Only these users.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  user_id?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Only these companies.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  company_id?: string[];

  @ApiPropertyOptional({ type: String, description: "Only the rows of this segment (one of the app's segments)." })
  @IsOptional()
  @IsString()
  segment_id?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv', 'jsonl', 'parquet'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv', 'jsonl', 'parquet'], { message: 'format must be json or csv (or jsonl, parquet)' })
  format?: string;

  @CompressionField()
  compression?: string;

  @ApiPropertyOptional({ type: Boolean, description: "Leave out the rows of the app's excluded users and companies." })
  @IsOptional()
  @IsBoolean()
  exclusions?: boolean;
}
