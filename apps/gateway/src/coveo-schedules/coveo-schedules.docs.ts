import { ApiProperty } from '@nestjs/swagger';

/** A Coveo-compatible export schedule as answered. */
export class CoveoScheduleDocs {
  @ApiProperty({ type: String }) id!: string;
  @ApiProperty({ enum: ['DAILY', 'WEEKLY', 'MONTHLY'] }) frequency!: string;
  @ApiProperty({ type: String, example: 'Europe/Paris' }) timezone!: string;
  @ApiProperty({ type: String, nullable: true, example: 'MONDAY', description: 'WEEKLY: the weekday the run happens.' })
  dayOfWeek!: string | null;
  @ApiProperty({ type: [String] }) tables!: string[];
  @ApiProperty({ type: [String] }) dimensions!: string[];
  @ApiProperty({ type: [String], description: "`f` of each run's export." }) commonFilters!: string[];
  @ApiProperty({ type: [String], description: "`fc` of each run's export." }) customEventsFilters!: string[];
  @ApiProperty({ type: String, example: 'EXCEL' }) exportFormat!: string;
  @ApiProperty({ type: Boolean }) usingDisplayNames!: boolean;
  @ApiProperty({ type: [String] }) notificationsEmails!: string[];
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Epoch ms.' }) createdDate!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The next run, epoch ms.' }) nextExecutionDate!: number | null;
}
