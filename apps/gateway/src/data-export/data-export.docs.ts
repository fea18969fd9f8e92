import { ApiProperty } from '@nestjs/swagger';

export class AutomaticExportDestinationDocs {
  @ApiProperty({ enum: ['aws', 'gcp', 'custom'] }) provider!: string;
  @ApiProperty({ type: String }) bucket!: string;
  @ApiProperty({ type: String }) region!: string;
  @ApiProperty({ type: String, description: 'The key prefix of the files (may be empty).' }) key!: string;
  @ApiProperty({ type: String, description: 'The S3 endpoint (custom providers; may be empty).' }) endpoint!: string;
  @ApiProperty({ type: String, description: 'The secret is never answered.' }) accessKeyId!: string;
}

export class AutomaticExportStatusDocs {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastRunAt!: string | null;
  @ApiProperty({ enum: ['never_ran', 'successful', 'failed'] }) lastStatus!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextRunAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The last run's error." }) error!: string | null;
}

/** GET and PUT /api/v1/data-export/automatic. */
export class AutomaticExportDocs {
  @ApiProperty({ type: Boolean }) enabled!: boolean;
  @ApiProperty({ enum: ['daily', 'weekly'] }) cadence!: string;
  @ApiProperty({ type: AutomaticExportDestinationDocs, nullable: true, description: 'null until the storage is configured.' })
  destination!: AutomaticExportDestinationDocs | null;
  @ApiProperty({ type: AutomaticExportStatusDocs }) status!: AutomaticExportStatusDocs;
}

export class AutomaticExportPeriodDocs {
  @ApiProperty({ type: String, format: 'date', description: 'The first day of the period.' }) from!: string;
  @ApiProperty({ type: String, format: 'date', description: 'The last day of the period.' }) to!: string;
}

/** 202 of POST /api/v1/data-export/automatic/run. */
export class AutomaticExportRunDocs {
  @ApiProperty({ type: AutomaticExportPeriodDocs, description: 'The latest ended period, now being written.' })
  period!: AutomaticExportPeriodDocs;
}
