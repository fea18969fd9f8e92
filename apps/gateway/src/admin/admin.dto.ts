import { ArrayNotEmpty, IsArray, IsIn, IsOptional, IsString, Length } from 'class-validator';

const PLANS = ['free', 'pro', 'enterprise'];
const PRIVILEGES = ['exports:read', 'exports:write', 'settings:write', 'privacy:write'];

export class CreateAppDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  @IsIn(PLANS, { message: `plan must be one of ${PLANS.join(', ')}` })
  plan!: string;
}

export class UpdateAppDto {
  @IsOptional()
  @IsIn(PLANS, { message: `plan must be one of ${PLANS.join(', ')}` })
  plan?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class CreateApiKeyDto {
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(PRIVILEGES, { each: true, message: `each privilege must be one of ${PRIVILEGES.join(', ')}` })
  privileges!: string[];
}
