import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export const NAMED_FILTER_NAME_PATTERN = '^[A-Z][A-Z0-9_]*$';
export const NAMED_FILTER_TEXT_DESCRIPTION =
  'Filter-language text over the export columns and `attributes.<key>`; may refer to other named filters as `$NAME`.';

export class CreateNamedFilterDto {
  /** Referred to as `$NAME` in export and segment filters. */
  @ApiProperty({
    pattern: NAMED_FILTER_NAME_PATTERN,
    minLength: 1,
    maxLength: 100,
    description: 'Unique per app; referred to as `$NAME` in export filters, segment filters and other named filters.',
    example: 'EXCLUDE_BOTS',
  })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]*$/, { message: 'name must match [A-Z][A-Z0-9_]*' })
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ minLength: 0, maxLength: 200, description: 'Left out or blank: the name.', example: 'Exclude bots' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  displayName?: string;

  /** Filter-language text (parsed by aggregation; may refer to other named filters). */
  @ApiProperty({
    minLength: 1,
    maxLength: 10_000,
    description: NAMED_FILTER_TEXT_DESCRIPTION,
    example: "attributes.is_bot != true AND user_id !~ '^test-'",
  })
  @IsString()
  @Length(1, 10_000)
  filter!: string;
}

/** PUT: replaces the filter's display name and text. */
export class UpdateNamedFilterDto {
  @ApiPropertyOptional({ minLength: 0, maxLength: 200, description: 'Left out or blank: the name.', example: 'Exclude bots' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  displayName?: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 10_000,
    description: NAMED_FILTER_TEXT_DESCRIPTION,
    example: 'attributes.is_bot != true',
  })
  @IsString()
  @Length(1, 10_000)
  filter!: string;
}
