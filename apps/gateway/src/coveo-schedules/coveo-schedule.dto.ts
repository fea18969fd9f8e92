import { IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, Length } from 'class-validator';

export const COVEO_FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY'];
export const COVEO_WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
export const COVEO_FORMATS = ['EXCEL', 'NO_NEWLINE'];

/** A Coveo-compatible export schedule (POST, and PUT which replaces it whole): the shape only. */
export class CoveoScheduleDto {
  @IsIn(COVEO_FREQUENCIES, { message: 'frequency must be DAILY, WEEKLY or MONTHLY' })
  frequency!: string;

  /** IANA time zone the periods are cut in; default UTC. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  timezone?: string;

  /** WEEKLY: the weekday the run happens (default MONDAY), for the seven days before it. */
  @IsOptional()
  @IsIn(COVEO_WEEKDAYS, { message: `dayOfWeek must be one of ${COVEO_WEEKDAYS.join(', ')}` })
  dayOfWeek?: string;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tables?: string[];

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  dimensions?: string[];

  /** `f` of each run's export (every table), joined by AND. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  commonFilters?: string[];

  /** `fc` of each run's export (events), joined by AND. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  customEventsFilters?: string[];

  @IsOptional()
  @IsIn(COVEO_FORMATS, { message: 'exportFormat must be EXCEL or NO_NEWLINE' })
  exportFormat?: string;

  @IsOptional()
  @IsBoolean()
  usingDisplayNames?: boolean;

  @IsOptional()
  @IsArray()
  @IsEmail({}, { each: true, message: 'notificationsEmails must be email addresses' })
  notificationsEmails?: string[];

  @IsOptional()
  @IsString()
  @Length(0, 1000)
  description?: string;
}
