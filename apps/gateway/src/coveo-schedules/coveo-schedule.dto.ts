import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, Length } from 'class-validator';

export const COVEO_FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY'];
export const COVEO_WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
export const COVEO_FORMATS = ['EXCEL', 'NO_NEWLINE'];

/** A Coveo-compatible export schedule (POST, and PUT which replaces it whole): the shape only. */
export class CoveoScheduleDto {
  @ApiProperty({ enum: COVEO_FREQUENCIES, description: 'Each run exports the previous day, week or calendar month.' })
  @IsIn(COVEO_FREQUENCIES, { message: 'frequency must be DAILY, WEEKLY or MONTHLY' })
  frequency!: string;

  /** IANA time zone the periods are cut in; default UTC. */
  @ApiPropertyOptional({
    type: String,
    default: 'UTC',
    description: 'IANA time zone the periods are cut in.',
    example: 'Europe/Paris',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timezone?: string;

  /** WEEKLY: the weekday the run happens (default MONDAY), for the seven days before it. */
  @ApiPropertyOptional({
    enum: COVEO_WEEKDAYS,
    default: 'MONDAY',
    description: 'WEEKLY: the weekday the run happens, for the seven days before.',
  })
  @IsOptional()
  @IsIn(COVEO_WEEKDAYS, { message: `dayOfWeek must be one of ${COVEO_WEEKDAYS.join(', ')}` })
  dayOfWeek?: string;

  @ApiPropertyOptional({ type: [String], description: "As the export's `tables`; none: all." })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tables?: string[];

  @ApiPropertyOptional({ type: [String], description: "As the export's `dimensions`." })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  dimensions?: string[];

  /** `f` of each run's export (every table), joined by AND. */
  @ApiPropertyOptional({ type: [String], description: "`f` of each run's export, joined by AND." })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  commonFilters?: string[];

  /** `fc` of each run's export (events), joined by AND. */
  @ApiPropertyOptional({ type: [String], description: "`fc` of each run's export, joined by AND." })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  customEventsFilters?: string[];

  @ApiPropertyOptional({ enum: COVEO_FORMATS, default: 'EXCEL' })
  @IsOptional()
  @IsIn(COVEO_FORMATS, { message: 'exportFormat must be EXCEL or NO_NEWLINE' })
  exportFormat?: string;

  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @IsBoolean()
  usingDisplayNames?: boolean;

  @ApiPropertyOptional({ type: [String], format: 'email', description: 'Emailed the link of each run when it is AVAILABLE.' })
  @IsOptional()
  @IsArray()
  @IsEmail({}, { each: true, message: 'notificationsEmails must be email addresses' })
  notificationsEmails?: string[];

  @ApiPropertyOptional({ type: String, maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(0, 1000)
  description?: string;
}
