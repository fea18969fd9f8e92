import { ApiProperty } from '@nestjs/swagger';

/** Seed 002's times: microseconds, with or without a trailing `Z`. */
const SEED_TIME = { type: 'string', example: '2024-10-06T10:44:50.999000' } as const;
const NULLABLE_SEED_TIME = { ...SEED_TIME, nullable: true, example: '2024-10-06T10:45:12.104000Z' } as const;
const STATUS = {
  enum: ['in_progress', 'completed', 'failed', 'cancelled'],
  description: 'A job not yet started is `in_progress`.',
} as const;

/** 201 of POST /api/v1/analytics/exports/. */
export class BulkExportCreatedDocs {
  @ApiProperty({ type: String, description: "The app's id.", example: 'app_0123' }) environment_app_token!: string;
  @ApiProperty({ type: String, description: "The app's name." }) environment_name!: string;
  @ApiProperty({ type: String }) job_id!: string;
  @ApiProperty({ type: String, description: "The job's URL path.", example: '/api/v1/analytics/exports/jobs/job_0123' })
  links!: string;
  @ApiProperty({ ...SEED_TIME, nullable: true }) start_time!: string | null;
}

/** An item of GET /api/v1/analytics/exports/jobs/. */
export class BulkExportListItemDocs {
  @ApiProperty({ type: String, example: '12 seconds' }) elapsed_time!: string;
  @ApiProperty({ type: 'integer' }) elapsed_time_seconds!: number;
  @ApiProperty(NULLABLE_SEED_TIME) end_time!: string | null;
  @ApiProperty({ type: String }) job_id!: string;
  @ApiProperty({ type: String, example: '1 out of 2 partitions' }) progress!: string;
  @ApiProperty({ ...SEED_TIME, nullable: true }) start_time!: string | null;
  @ApiProperty(STATUS) status!: string;
}

export class BulkExportPresignedUrlDocs {
  @ApiProperty({ type: String, example: '2024-06.json.gz' }) filename!: string;
  @ApiProperty({ type: String, description: 'A presigned download link (2 days).' }) url!: string;
}

export class BulkExportFileDocs {
  @ApiProperty({ type: String }) filename!: string;
  @ApiProperty({ type: 'integer' }) rows!: number;
  @ApiProperty({ type: 'integer' }) bytes!: number;
  @ApiProperty({ type: String, description: 'SHA-256 of the file, hex.' }) sha256!: string;
}

/** GET /api/v1/analytics/exports/jobs/{job_id}: seed 002's fields, then what this platform adds. */
export class BulkExportJobDocs {
  @ApiProperty({ type: String, description: "The app's id." }) app_token!: string;
  @ApiProperty({ type: [String], description: 'The monthly partitions done.', example: ['2024-06'] }) completed_chunks!: string[];
  @ApiProperty({ type: String, nullable: true, description: 'The partition being written.' }) current_chunk!: string | null;
  @ApiProperty(NULLABLE_SEED_TIME) end_time!: string | null;
  @ApiProperty({ type: String }) job_id!: string;
  @ApiProperty({ type: [BulkExportPresignedUrlDocs] }) presigned_urls!: BulkExportPresignedUrlDocs[];
  @ApiProperty({ type: String, example: '1 out of 2 partitions' }) progress!: string;
  @ApiProperty({ ...SEED_TIME, nullable: true }) start_time!: string | null;
  @ApiProperty(STATUS) status!: string;
  @ApiProperty({ type: [String], description: 'Every monthly partition of the job.' }) all_chunks!: string[];
  @ApiProperty({ enum: ['export'] }) type!: string;
  @ApiProperty({ type: String }) elapsed_time!: string;
  @ApiProperty({ type: 'integer' }) elapsed_time_seconds!: number;
  @ApiProperty({ enum: ['json', 'jsonl', 'csv', 'parquet'] }) format!: string;
  @ApiProperty({ type: String, format: 'date' }) from!: string;
  @ApiProperty({ type: String, format: 'date' }) to!: string;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: [BulkExportFileDocs] }) files!: BulkExportFileDocs[];
  @ApiProperty({ type: String, nullable: true, description: "A presigned link to the job's manifest.json." })
  manifest_url!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) links_expire_at!: string | null;
  @ApiProperty({ type: Boolean, description: 'Some days are before the first day the retention keeps.' })
  retention_truncated!: boolean;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'The first day the retention keeps.' })
  retained_from!: string | null;
}
