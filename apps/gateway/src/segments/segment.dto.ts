import { IsOptional, IsString, Length } from 'class-validator';

export class CreateSegmentDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  /** Filter over company attributes, e.g. `monthly_spend >= 50` (parsed by aggregation). */
  @IsString()
  @Length(1, 10_000)
  filter!: string;
}

export class UpdateSegmentDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  filter?: string;
}
