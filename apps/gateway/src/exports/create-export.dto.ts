import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { COMPRESSIONS } from './export-job-contract';

/** company_features: the company-by-feature usage rows (the company data export), per day or by `history`. */
export const DATA_TYPES = ['events', 'users', 'companies', 'feedback', 'company_features'];
export const HISTORIES = ['today', '30d-daily', '3m-weekly', '6m-weekly'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The optional `compression` of every export API and schedule: checked, documented, gzip when absent. */
export const CompressionField = () =>
  applyDecorators(
    ApiPropertyOptional({
      enum: COMPRESSIONS,
      default: 'gzip',
      description: 'gzip (`.gz`), zstd (`.zst`) or none (plain files); parquet compresses its pages with gzip or none.',
    }),
    IsOptional(),
    IsIn(COMPRESSIONS, { message: `compression must be ${COMPRESSIONS.slice(0, -1).join(', ')} or ${COMPRESSIONS.at(-1)}` }),
  );

export class ExportFiltersDto {
  @ApiPropertyOptional({ type: [String], description: 'Only these users.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  userIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Only these companies.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  companyIds?: string[];

  /**
   * Export event types for the events data type (the Bulk API's, but `interaction`, which has no source here).
   * None: every tracking call (no derived track_feature rows).
   */
  @ApiPropertyOptional({
    type: [String],
    enum: ['identify_user', 'identify_company', 'page_view', 'track', 'track_feature', 'feedback'],
    description: 'Export event types of the events data type; none: every tracking call (no derived track_feature rows).',
  })
  @IsOptional()
  @IsArray()
  @IsIn(['identify_user', 'identify_company', 'page_view', 'track', 'track_feature', 'feedback'], { each: true })
  eventTypes?: string[];
}

/**
 * POST /api/v1/exports (seed 003's on-demand export): the shape only; export-job owns the rules (days in
 * order, at most 30 of them, history or days for company_features, the filter, the plan).
 */
export class CreateExportDto {
  /** Required, except for company_features alone given a `history`. */
  @ApiPropertyOptional({
    type: String,
    format: 'date',
    description: 'The first day (UTC); required but for company_features alone with a `history`.',
    example: '2024-06-01',
  })
  @IsOptional()
  @Matches(DAY, { message: 'startDate must be a date in YYYY-MM-DD format' })
  startDate?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date',
    description: 'The last day, included (at most 30 days).',
    example: '2024-06-30',
  })
  @IsOptional()
  @Matches(DAY, { message: 'endDate must be a date in YYYY-MM-DD format' })
  endDate?: string;

  @ApiProperty({ type: [String], enum: DATA_TYPES, minItems: 1, example: ['events', 'users'] })
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(DATA_TYPES, { each: true, message: `dataTypes values must be among ${DATA_TYPES.join(', ')}` })
  dataTypes!: string[];

  @ApiProperty({ enum: ['jsonl', 'csv', 'parquet'] })
  @IsIn(['jsonl', 'csv', 'parquet'], { message: 'format must be jsonl, csv or parquet' })
  format!: string;

  @CompressionField()
  compression?: string;

  @ApiPropertyOptional({ type: ExportFiltersDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ExportFiltersDto)
  filters?: ExportFiltersDto;

  /**
   * A row filter in the filter language over the data types' columns and `attributes.<key>`, e.g.
   * `event_name == 'Opened report' AND attributes.plan IN ['pro', 'enterprise']`; `$NAME` for a named filter.
   */
  @ApiPropertyOptional({
    type: String,
    maxLength: 10_000,
    description: 'A row filter in the filter language; `$NAME` inlines a named filter.',
    example: "event_name == 'Opened report' AND attributes.plan IN ['pro', 'enterprise']",
  })
  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  filter?: string;

  /** Leave out the rows of the users and companies on the app's exclusion list. */
  @ApiPropertyOptional({ type: Boolean, description: "Leave out the rows of the app's excluded users and companies." })
  @IsOptional()
  @IsBoolean()
  exclusions?: boolean;

  /**
   * company_features alone, instead of startDate and endDate: the rows of a history option (as the company
   * data export has them) rather than one row per company, feature and day of the range.
   */
  @ApiPropertyOptional({
    enum: HISTORIES,
    description: 'company_features alone, instead of startDate and endDate: the rows of a history option.',
  })
  @IsOptional()
  @IsIn(HISTORIES, { message: `history must be one of ${HISTORIES.join(', ')}` })
  history?: string;
}
