import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, Length } from 'class-validator';

/** PUT /api/v1/exclusions: the whole list (replaces the previous one). */
export class PutExclusionsDto {
  @ApiProperty({
    type: [String],
    maxItems: 10_000,
    minLength: 1,
    maxLength: 256,
    description: 'The users whose rows exports leave out when asked (`exclusions: true`).',
    example: ['user-42', 'qa-bot'],
  })
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  userIds!: string[];

  @ApiProperty({
    type: [String],
    maxItems: 10_000,
    minLength: 1,
    maxLength: 256,
    description: 'The companies whose rows exports leave out when asked (`exclusions: true`).',
    example: ['internal-co'],
  })
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  companyIds!: string[];
}
