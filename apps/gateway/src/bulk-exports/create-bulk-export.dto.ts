import { IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches } from 'class-validator';

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
  @IsString({ message: 'from is required: the start date in YYYY-MM-DD format' })
  @Matches(DAY, { message: 'from must be a date in YYYY-MM-DD format' })
  from!: string;

  @IsString({ message: 'to is required: the end date in YYYY-MM-DD format' })
  @Matches(DAY, { message: 'to must be a date in YYYY-MM-DD format' })
  to!: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  emails?: string[];

  @IsOptional()
  @IsArray()
  @IsIn(BULK_EVENT_TYPES, { each: true, message: `event_type values must be among ${BULK_EVENT_TYPES.join(', ')}` })
  event_type?: string[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  user_id?: string[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  company_id?: string[];

  @IsOptional()
  @IsString()
  segment_id?: string;

  @IsOptional()
  @IsIn(['json', 'csv', 'jsonl'], { message: 'format must be json or csv (or jsonl)' })
  format?: string;

  @IsOptional()
  @IsBoolean()
  exclusions?: boolean;
}
