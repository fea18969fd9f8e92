import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, ValidateIf } from 'class-validator';

export const CADENCES = ['daily', 'weekly'];
export const PROVIDERS = ['aws', 'gcp', 'custom'];

/**
 * PUT /api/v1/data-export/automatic (seed 000's settings page): the toggle, the cadence and the storage. The
 * storage fields may be left out only to disable the export or to change the cadence of a configured one;
 * export-job checks them (listing the bucket) and says what is wrong.
 */
export class PutAutomaticExportDto {
  @ApiProperty({ type: Boolean })
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled!: boolean;

  @ApiProperty({ enum: CADENCES, description: 'Daily: after 00:00 UTC; weekly: on Monday after 00:00 UTC.' })
  @IsIn(CADENCES, { message: 'cadence must be daily or weekly' })
  cadence!: string;

  @ApiPropertyOptional({ enum: PROVIDERS, description: 'The storage; left out only to disable or to change the cadence.' })
  @IsOptional()
  @IsIn(PROVIDERS, { message: 'provider must be aws, gcp or custom' })
  provider?: string;

  /** AWS: https://<bucket>.s3.<region>.amazonaws.com[/key]. */
  @ApiPropertyOptional({
    type: String,
    maxLength: 2048,
    description: 'aws only: https://<bucket>.s3.<region>.amazonaws.com[/key].',
  })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional({ type: String, maxLength: 255, description: 'gcp and custom.' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  bucket?: string;

  @ApiPropertyOptional({ type: String, maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  region?: string;

  @ApiPropertyOptional({ type: String, maxLength: 1024, description: 'A key prefix (no leading or trailing slash).' })
  @IsOptional()
  @IsString()
  @Length(0, 1024)
  key?: string;

  @ApiPropertyOptional({ type: String, maxLength: 2048, description: 'custom: the https S3 endpoint.' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  endpoint?: string;

  @ApiPropertyOptional({ type: String, maxLength: 256, description: 'Required with a provider.' })
  @ValidateIf((body: PutAutomaticExportDto) => body.provider !== undefined)
  @IsString({ message: 'accessKeyId is required with a provider' })
  @Length(1, 256)
  accessKeyId?: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: 1024,
    description: 'Required with a provider; stored encrypted, never answered.',
  })
  @ValidateIf((body: PutAutomaticExportDto) => body.provider !== undefined)
  @IsString({ message: 'secretAccessKey is required with a provider' })
  @Length(1, 1024)
  secretAccessKey?: string;
}
