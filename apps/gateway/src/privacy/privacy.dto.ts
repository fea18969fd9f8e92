import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, ValidateIf } from 'class-validator';

/** DELETE /api/v1/privacy/users/{userId}?suppress=true: also refuse the user's future tracking calls. */
export class ErasureQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'false',
    description: "`true`: also refuse the user's future tracking calls (they are answered but not stored).",
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'suppress must be true or false' })
  suppress?: string;
}

const given = (_: PutRetentionDto, value: unknown) => value !== undefined;

/**
 * PUT /api/v1/retention: days per kind of data; a field left out keeps its current value. Integers here;
 * ingestion owns the bounds and names the field it refuses. A null is not left out (IsOptional would let it
 * through to the gRPC call, which cannot encode it): it is refused like any other non-integer.
 */
export class PutRetentionDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 3650,
    description: 'Raw tracking calls are deleted when their event day is older than this (default 90).',
    example: 90,
  })
  @ValidateIf(given)
  @IsInt({ message: 'rawEventsDays must be an integer number of days' })
  rawEventsDays?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 3650,
    description: 'Daily usage counters and company attribute days older than this are deleted (default 730).',
    example: 730,
  })
  @ValidateIf(given)
  @IsInt({ message: 'aggregatesDays must be an integer number of days' })
  aggregatesDays?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 365,
    description: 'Export files are deleted this many days after their job was created (default 7).',
    example: 7,
  })
  @ValidateIf(given)
  @IsInt({ message: 'exportFilesDays must be an integer number of days' })
  exportFilesDays?: number;
}
