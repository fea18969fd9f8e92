import { IsString, Length } from 'class-validator';

/** Coveo's FilterModelV15. */
export class ReportingFilterDto {
  @IsString()
  @Length(1, 200)
  displayName!: string;

  /** The platform's filter language (e.g. `event_name == 'Opened report'`), not Coveo's filter syntax. */
  @IsString()
  @Length(1, 10_000)
  value!: string;
}
