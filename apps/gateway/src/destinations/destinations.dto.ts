import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export const DESTINATION_PROVIDERS = ['aws', 'gcp', 'custom'] as const;
export type DestinationProviderName = (typeof DESTINATION_PROVIDERS)[number];
const PROVIDER_MESSAGE = `provider must be one of ${DESTINATION_PROVIDERS.join(', ')}`;

/**
 * The shape of a destination; which fields a provider needs (aws: url; gcp: bucket; custom: bucket and
 * endpoint) and their forms are export-job's rules.
 */
export class CreateDestinationDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @IsIn(DESTINATION_PROVIDERS, { message: PROVIDER_MESSAGE })
  provider!: DestinationProviderName;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @IsOptional()
  @IsString()
  @MaxLength(222)
  bucket?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  region?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  key?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  accessKeyId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  secretAccessKey!: string;
}

/** The fields given replace the stored ones; export-job checks the result again before saving it. */
export class UpdateDestinationDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsIn(DESTINATION_PROVIDERS, { message: PROVIDER_MESSAGE })
  provider?: DestinationProviderName;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @IsOptional()
  @IsString()
  @MaxLength(222)
  bucket?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  region?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  key?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  accessKeyId?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  secretAccessKey?: string;
}
