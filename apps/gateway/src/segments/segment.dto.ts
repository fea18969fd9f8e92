import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

const FILTER_DESCRIPTION =
  'A filter over company attributes in the filter language (`==` `!=` `=~` `!~` `=@` `!@` `<` `<=` `>` `>=`, ' +
  '`IN [..]`, `NOT_IN [..]`, `AND`, `OR`, parentheses, `null`, quoted strings; `$NAME` for a named filter).';

export class CreateSegmentDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Big spenders' })
  @IsString()
  @Length(1, 200)
  name!: string;

  /** Filter over company attributes, e.g. `monthly_spend >= 50` (parsed by aggregation). */
  @ApiProperty({ minLength: 1, maxLength: 10_000, description: FILTER_DESCRIPTION, example: 'monthly_spend >= 50' })
  @IsString()
  @Length(1, 10_000)
  filter!: string;
}

export class UpdateSegmentDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Big spenders' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 10_000,
    description: FILTER_DESCRIPTION,
    example: "monthly_spend >= 100 AND plan != 'free'",
  })
  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  filter?: string;
}
