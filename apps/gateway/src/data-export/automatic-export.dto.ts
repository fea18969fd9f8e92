import { IsBoolean, IsIn, IsOptional, IsString, Length, ValidateIf } from 'class-validator';

export const CADENCES = ['daily', 'weekly'];
export const PROVIDERS = ['aws', 'gcp', 'custom'];

/**
 * PUT /api/v1/data-export/automatic (seed 000's settings page): the toggle, the cadence and the storage. The
 * storage fields may be left out only to disable the export or to change the cadence of a configured one;
 * export-job checks them (listing the bucket) and says what is wrong.
 */
export class PutAutomaticExportDto {
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled!: boolean;

  @IsIn(CADENCES, { message: 'cadence must be daily or weekly' })
  cadence!: string;

  @IsOptional()
  @IsIn(PROVIDERS, { message: 'provider must be aws, gcp or custom' })
  provider?: string;

  /** AWS: https://<bucket>.s3.<region>.amazonaws.com[/key]. */
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @IsOptional()
  @IsString()
  @Length(1, 255)
  bucket?: string;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  region?: string;

  @IsOptional()
  @IsString()
  @Length(0, 1024)
  key?: string;

  @IsOptional()
  @IsString()
  @Length(1, 2048)
  endpoint?: string;

  @ValidateIf((body: PutAutomaticExportDto) => body.provider !== undefined)
  @IsString({ message: 'accessKeyId is required with a provider' })
  @Length(1, 256)
  accessKeyId?: string;

  @ValidateIf((body: PutAutomaticExportDto) => body.provider !== undefined)
  @IsString({ message: 'secretAccessKey is required with a provider' })
  @Length(1, 1024)
  secretAccessKey?: string;
}
