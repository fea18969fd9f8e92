import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export const DESTINATION_PROVIDERS = ['aws', 'gcp', 'custom'] as const;
export type DestinationProviderName = (typeof DESTINATION_PROVIDERS)[number];
const PROVIDER_MESSAGE = `provider must be one of ${DESTINATION_PROVIDERS.join(', ')}`;

const FIELD_DOCS = {
  name: { maxLength: 200, example: 'Data lake' },
  provider: {
    enum: DESTINATION_PROVIDERS,
    description:
      '`aws` takes only `url`; `gcp` takes `bucket`, `region` (default `auto`) and `key`, and uses ' +
      '`https://storage.googleapis.com` (HMAC keys); `custom` also needs `endpoint`.',
    example: 'aws',
  },
  url: {
    maxLength: 2048,
    description: '`aws` only: `https://<bucket>.s3.<region>.amazonaws.com[/key]`.',
    example: 'https://acme-exports.s3.eu-west-1.amazonaws.com/analytics',
  },
  bucket: { maxLength: 222, description: '`gcp` and `custom`.', example: 'acme-exports' },
  region: {
    maxLength: 64,
    description: '`gcp` (default `auto`) and `custom` (default `us-east-1`).',
    example: 'auto',
  },
  key: {
    maxLength: 512,
    description: 'An optional prefix of the objects written, without a leading or trailing slash.',
    example: 'analytics',
  },
  endpoint: {
    maxLength: 2048,
    description: '`custom` only: the https endpoint of the S3-compatible storage.',
    example: 'https://0123456789abcdef.r2.cloudflarestorage.com',
  },
  accessKeyId: { minLength: 1, maxLength: 256, example: 'AKIAIOSFODNN7EXAMPLE' },
  secretAccessKey: {
    minLength: 1,
    maxLength: 1024,
    writeOnly: true,
    description: 'Stored encrypted and never answered.',
    example: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
};

/**
 * The shape of a destination; which fields a provider needs (aws: url; gcp: bucket; custom: bucket and
 * endpoint) and their forms are export-job's rules.
 */
export class CreateDestinationDto {
  @ApiPropertyOptional(FIELD_DOCS.name)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty(FIELD_DOCS.provider)
  @IsIn(DESTINATION_PROVIDERS, { message: PROVIDER_MESSAGE })
  provider!: DestinationProviderName;

  @ApiPropertyOptional(FIELD_DOCS.url)
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional(FIELD_DOCS.bucket)
  @IsOptional()
  @IsString()
  @MaxLength(222)
  bucket?: string;

  @ApiPropertyOptional(FIELD_DOCS.region)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  region?: string;

  @ApiPropertyOptional(FIELD_DOCS.key)
  @IsOptional()
  @IsString()
  @MaxLength(512)
  key?: string;

  @ApiPropertyOptional(FIELD_DOCS.endpoint)
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint?: string;

  @ApiProperty(FIELD_DOCS.accessKeyId)
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  accessKeyId!: string;

  @ApiProperty(FIELD_DOCS.secretAccessKey)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  secretAccessKey!: string;
}

/** The fields given replace the stored ones; export-job checks the result again before saving it. */
export class UpdateDestinationDto {
  @ApiPropertyOptional(FIELD_DOCS.name)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional(FIELD_DOCS.provider)
  @IsOptional()
  @IsIn(DESTINATION_PROVIDERS, { message: PROVIDER_MESSAGE })
  provider?: DestinationProviderName;

  @ApiPropertyOptional(FIELD_DOCS.url)
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional(FIELD_DOCS.bucket)
  @IsOptional()
  @IsString()
  @MaxLength(222)
  bucket?: string;

  @ApiPropertyOptional(FIELD_DOCS.region)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  region?: string;

  @ApiPropertyOptional(FIELD_DOCS.key)
  @IsOptional()
  @IsString()
  @MaxLength(512)
  key?: string;

  @ApiPropertyOptional(FIELD_DOCS.endpoint)
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint?: string;

  @ApiPropertyOptional(FIELD_DOCS.accessKeyId)
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  accessKeyId?: string;

  @ApiPropertyOptional(FIELD_DOCS.secretAccessKey)
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  secretAccessKey?: string;
}
