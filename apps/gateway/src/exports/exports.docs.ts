import { ApiProperty } from '@nestjs/swagger';
import { COMPRESSIONS } from './export-job-contract';

export class ExportJobFiltersDocs {
  @ApiProperty({ type: [String] }) userIds!: string[];
  @ApiProperty({ type: [String] }) companyIds!: string[];
  @ApiProperty({ type: [String] }) eventTypes!: string[];
}

export class ExportJobProgressDocs {
  @ApiProperty({ type: 'integer' }) completedPartitions!: number;
  @ApiProperty({ type: 'integer' }) totalPartitions!: number;
}

export class ExportJobFileDocs {
  @ApiProperty({ type: String, example: '2024-06.jsonl.gz' }) filename!: string;
  @ApiProperty({ type: String, nullable: true, description: 'A presigned download link (7 days); null once expired.' })
  url!: string | null;
  @ApiProperty({ type: 'integer' }) rows!: number;
  @ApiProperty({ type: 'integer' }) bytes!: number;
  @ApiProperty({ type: String, description: 'SHA-256 of the file, hex.' }) sha256!: string;
}

/** An on-demand export job (seed 003). */
export class ExportJobDocs {
  @ApiProperty({ type: String }) id!: string;
  @ApiProperty({ enum: ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] }) status!: string;
  @ApiProperty({ type: String, format: 'date', nullable: true }) startDate!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) endDate!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['today', '30d-daily', '3m-weekly', '6m-weekly'] }) history!: string | null;
  @ApiProperty({ type: [String], example: ['events'] }) dataTypes!: string[];
  @ApiProperty({ enum: ['jsonl', 'csv', 'parquet'] }) format!: string;
  @ApiProperty({ enum: COMPRESSIONS, example: 'gzip' }) compression!: string;
  @ApiProperty({ type: ExportJobFiltersDocs }) filters!: ExportJobFiltersDocs;
  @ApiProperty({ type: String, nullable: true, description: 'The row filter, as given.' }) filter!: string | null;
  @ApiProperty({ type: Boolean }) exclusions!: boolean;
  @ApiProperty({ type: ExportJobProgressDocs }) progress!: ExportJobProgressDocs;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) createdAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the links expire.' })
  expiresAt!: string | null;
  @ApiProperty({ type: [ExportJobFileDocs] }) files!: ExportJobFileDocs[];
  @ApiProperty({ type: String, nullable: true, description: "A presigned link to the job's manifest.json." })
  manifestUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The export schedule whose run made it.' })
  scheduleId!: string | null;
  @ApiProperty({ type: Boolean, description: 'Some days are before the first day the retention keeps.' })
  retention_truncated!: boolean;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'The first day the retention keeps.' })
  retained_from!: string | null;
}

export class ExportJobListDocs {
  @ApiProperty({ type: [ExportJobDocs] }) data!: ExportJobDocs[];
}
