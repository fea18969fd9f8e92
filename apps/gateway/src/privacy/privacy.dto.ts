import { IsIn, IsInt, IsOptional } from 'class-validator';

/** DELETE /api/v1/privacy/users/{userId}?suppress=true: also refuse the user's future tracking calls. */
export class ErasureQueryDto {
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'suppress must be true or false' })
  suppress?: string;
}

/**
 * PUT /api/v1/retention: days per kind of data; a field left out keeps its current value. Integers here;
 * ingestion owns the bounds and names the field it refuses.
 */
export class PutRetentionDto {
  @IsOptional()
  @IsInt({ message: 'rawEventsDays must be an integer number of days' })
  rawEventsDays?: number;

  @IsOptional()
  @IsInt({ message: 'aggregatesDays must be an integer number of days' })
  aggregatesDays?: number;

  @IsOptional()
  @IsInt({ message: 'exportFilesDays must be an integer number of days' })
  exportFilesDays?: number;
}
