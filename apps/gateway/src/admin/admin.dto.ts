import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString, Length } from 'class-validator';

export const PLANS = ['free', 'pro', 'enterprise'];
export const PRIVILEGES = ['exports:read', 'exports:write', 'settings:write', 'privacy:write'];

export class CreateAppDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Acme production' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: PLANS, example: 'pro' })
  @IsIn(PLANS, { message: `plan must be one of ${PLANS.join(', ')}` })
  plan!: string;
}

export class UpdateAppDto {
  @ApiPropertyOptional({ enum: PLANS, example: 'enterprise' })
  @IsOptional()
  @IsIn(PLANS, { message: `plan must be one of ${PLANS.join(', ')}` })
  plan?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Acme production' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ enum: PRIVILEGES, isArray: true, minItems: 1, example: ['exports:read'] })
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(PRIVILEGES, { each: true, message: `each privilege must be one of ${PRIVILEGES.join(', ')}` })
  privileges!: string[];
}
