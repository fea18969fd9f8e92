import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class CreateNamedFilterDto {
  /** Referred to as `$NAME` in export and segment filters. */
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]*$/, { message: 'name must match [A-Z][A-Z0-9_]*' })
  @Length(1, 100)
  name!: string;

  @IsOptional()
  @IsString()
  @Length(0, 200)
  displayName?: string;

  /** Filter-language text (parsed by aggregation; may refer to other named filters). */
  @IsString()
  @Length(1, 10_000)
  filter!: string;
}

export class UpdateNamedFilterDto {
  @IsOptional()
  @IsString()
  @Length(0, 200)
  displayName?: string;

  @IsString()
  @Length(1, 10_000)
  filter!: string;
}
