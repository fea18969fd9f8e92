import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayNotEmpty, IsArray, IsOptional, IsString, Length, ValidateNested } from 'class-validator';

/** A JSON scalar: what a company attribute condition compares with. */
export const JSON_SCALAR_SCHEMA = {
  oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }],
};

export class CompanyAttributeConditionDto {
  @ApiProperty({ minLength: 1, maxLength: 200, description: 'The company attribute.', example: 'plan' })
  @IsString()
  @Length(1, 200)
  key!: string;

  /** A JSON string, number, boolean or null the attribute must equal (checked in the controller). */
  @ApiProperty({
    ...JSON_SCALAR_SCHEMA,
    description: 'The value the attribute must equal: a string, number, boolean or null.',
    example: 'enterprise',
  })
  @Allow()
  equals?: unknown;
}

export class CreateFeatureDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Reports' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    type: [String],
    minItems: 1,
    maxItems: 100,
    minLength: 1,
    maxLength: 200,
    description: 'The events that count as using the feature. Give exactly one of `events` and `companyAttribute`.',
    example: ['Opened report', 'Exported report'],
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    type: () => CompanyAttributeConditionDto,
    description:
      'The companies whose attribute equals the value use the feature. Give exactly one of `events` and `companyAttribute`.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => CompanyAttributeConditionDto)
  companyAttribute?: CompanyAttributeConditionDto;
}

export class UpdateFeatureDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Reports' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    type: [String],
    minItems: 1,
    maxItems: 100,
    minLength: 1,
    maxLength: 200,
    description: 'Replaces the usage rule with these events. Give at most one of `events` and `companyAttribute`.',
    example: ['Opened report'],
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    type: () => CompanyAttributeConditionDto,
    description: 'Replaces the usage rule with this condition. Give at most one of `events` and `companyAttribute`.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => CompanyAttributeConditionDto)
  companyAttribute?: CompanyAttributeConditionDto;
}
