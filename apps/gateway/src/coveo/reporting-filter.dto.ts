import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Coveo's FilterModelV15. */
export class ReportingFilterDto {
  @ApiProperty({ type: String, minLength: 1, maxLength: 200, example: 'Exclude pageview bots' })
  @IsString()
  @Length(1, 200)
  displayName!: string;

  /** The platform's filter language (e.g. `event_name == 'Opened report'`), not Coveo's filter syntax. */
  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 10_000,
    description: "The platform's filter language, not Coveo's filter syntax.",
    example: "event_name == 'Opened report'",
  })
  @IsString()
  @Length(1, 10_000)
  value!: string;
}
