import { ApiProperty } from '@nestjs/swagger';

const NULLABLE_STRING = { type: 'string', nullable: true } as const;
const NULLABLE_DATE_TIME = { type: 'string', format: 'date-time', nullable: true } as const;
const NULLABLE_DAY = { type: 'string', format: 'date', nullable: true } as const;
const COUNTS = { type: 'object' as const, additionalProperties: { type: 'integer' } };

export class PrivacyServiceResultDocs {
  @ApiProperty({ enum: ['ingestion', 'aggregation', 'export-job'], example: 'ingestion' }) service!: string;
  @ApiProperty({
    ...COUNTS,
    description: 'What this service counted, by name.',
    example: { tracking_calls: 120, user_profiles: 1 },
  })
  counts!: Record<string, number>;
  @ApiProperty(NULLABLE_DATE_TIME) confirmedAt!: string | null;
}

/** A subject request: a user's data export or an erasure; the requests are the audit log. */
export class PrivacyRequestDocs {
  @ApiProperty({ example: '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d' }) id!: string;
  @ApiProperty({ enum: ['export', 'erasure'], example: 'erasure' }) type!: string;
  @ApiProperty({ ...NULLABLE_STRING, description: 'Null once the user is erased.', example: 'user-42' }) userId!: string | null;
  @ApiProperty({
    description: "HMAC-SHA256 (hex) of the app and user id: the audit log's only trace of an erased user.",
    example: '3f0c9a7b2e8d4c1f6a5b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b',
  })
  userHash!: string;
  @ApiProperty({ description: "An erasure that also refuses the user's future tracking calls.", example: false })
  suppress!: boolean;
  @ApiProperty({ enum: ['pending', 'in_progress', 'completed', 'failed'], example: 'completed' }) status!: string;
  @ApiProperty({ description: 'The id of the API key that asked.', example: 'key_5e2d1c0b9a8f4e3d2c1b0a9f8e7d6c5b' })
  requestedBy!: string;
  @ApiProperty(NULLABLE_DATE_TIME) requestedAt!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) finishedAt!: string | null;
  @ApiProperty({ ...NULLABLE_STRING, description: "While in progress, the last attempt's error (it is retried)." })
  error!: string | null;
  @ApiProperty({
    ...COUNTS,
    description: "Every service's counts added up (records removed by an erasure, records exported by an export).",
    example: { tracking_calls: 120, user_profiles: 1, export_files_rewritten: 2 },
  })
  counts!: Record<string, number>;
  @ApiProperty({ type: [PrivacyServiceResultDocs], description: 'What each service confirmed, and when.' })
  services!: PrivacyServiceResultDocs[];
  @ApiProperty({ ...NULLABLE_STRING, description: "A completed export: the document's link (valid 7 days)." })
  downloadUrl!: string | null;
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: 'When `downloadUrl` expires.' }) expiresAt!: string | null;
}

export class PrivacyRequestListDocs {
  @ApiProperty({ type: [PrivacyRequestDocs], description: 'Newest first.' }) data!: PrivacyRequestDocs[];
}

export class RetentionDocs {
  @ApiProperty({ type: 'integer', nullable: true, example: 90 }) rawEventsDays!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 730 }) aggregatesDays!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 7 }) exportFilesDays!: number | null;
  @ApiProperty({ description: 'No policy stored: the defaults (90, 730 and 7 days).', example: true }) isDefault!: boolean;
  @ApiProperty(NULLABLE_DATE_TIME) updatedAt!: string | null;
  @ApiProperty({ ...NULLABLE_DAY, description: 'A sweep has deleted the raw calls of every day before this one.' })
  rawEventsDeletedBefore!: string | null;
  @ApiProperty({ ...NULLABLE_DAY, description: 'A sweep has deleted the aggregates of every day before this one.' })
  aggregatesDeletedBefore!: string | null;
}
