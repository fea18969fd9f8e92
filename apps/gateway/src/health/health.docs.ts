import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';

const SERVICES: ApiPropertyOptions = {
  type: 'object',
  description: "Each service's state.",
  additionalProperties: { type: 'string', enum: ['serving', 'unavailable'] },
  example: { ingestion: 'serving', aggregation: 'serving', 'export-job': 'serving', notification: 'serving' },
};

export class HealthDocs {
  @ApiProperty({ enum: ['ok'] }) status!: string;
  @ApiProperty(SERVICES) services!: Record<string, string>;
}

export class HealthUnavailableDocs {
  @ApiProperty({ enum: ['unavailable'] }) status!: string;
  @ApiProperty({ type: [String], description: 'The services that do not answer.' }) unavailable!: string[];
  @ApiProperty(SERVICES) services!: Record<string, string>;
}
