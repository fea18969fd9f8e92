import { ArrayMaxSize, IsArray, IsString, Length } from 'class-validator';

/** PUT /api/v1/exclusions: the whole list (replaces the previous one). */
export class PutExclusionsDto {
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  userIds!: string[];

  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  companyIds!: string[];
}
