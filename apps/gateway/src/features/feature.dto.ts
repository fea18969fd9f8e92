import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayNotEmpty, IsArray, IsOptional, IsString, Length, ValidateNested } from 'class-validator';

export class CompanyAttributeConditionDto {
  @IsString()
  @Length(1, 200)
  key!: string;

  /** A JSON string, number, boolean or null the attribute must equal (checked in the controller). */
  @Allow()
  equals?: unknown;
}

export class CreateFeatureDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  events?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => CompanyAttributeConditionDto)
  companyAttribute?: CompanyAttributeConditionDto;
}

export class UpdateFeatureDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  events?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => CompanyAttributeConditionDto)
  companyAttribute?: CompanyAttributeConditionDto;
}
