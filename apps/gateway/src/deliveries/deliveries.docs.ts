import { ApiProperty } from '@nestjs/swagger';

const NULLABLE_STRING = { type: 'string', nullable: true } as const;
const NULLABLE_DATE_TIME = { type: 'string', format: 'date-time', nullable: true } as const;

export class DeliveryAttemptDocs {
  @ApiProperty(NULLABLE_DATE_TIME) at!: string | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The HTTP status a webhook answered; null when there was no answer, and for email.',
    example: 200,
  })
  statusCode!: number | null;
  @ApiProperty({ ...NULLABLE_STRING, description: 'Null when the attempt succeeded.' }) error!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, example: 182 }) durationMs!: number;
}

export class DeliveryAttemptsDocs {
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) count!: number;
  @ApiProperty({ type: [DeliveryAttemptDocs], description: 'Every attempt so far, oldest first.' }) list!: DeliveryAttemptDocs[];
}

/** One email or webhook delivery of an export job's notification, with its attempts. */
export class DeliveryDocs {
  @ApiProperty({ example: 'msg_1b0a9f8e7d6c4b5a4f3e2d1c0b9a8f7e' }) id!: string;
  @ApiProperty({ enum: ['email', 'webhook'], example: 'webhook' }) channel!: string;
  @ApiProperty({ description: 'The address or the URL.', example: 'https://hooks.example.com/exportd' }) recipient!: string;
  @ApiProperty({ description: 'The export job notified about.', example: '9f8e7d6c-5b4a-4321-8f0e-1d2c3b4a5f6e' }) jobId!: string;
  @ApiProperty({ ...NULLABLE_STRING, description: 'The webhook endpoint; null for email.' }) endpointId!: string | null;
  @ApiProperty({ example: 'export.completed' }) eventType!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'], example: 'delivered' }) status!: string;
  @ApiProperty({ type: DeliveryAttemptsDocs }) attempts!: DeliveryAttemptsDocs;
  @ApiProperty({ type: 'integer', nullable: true, example: 200 }) lastStatusCode!: number | null;
  @ApiProperty(NULLABLE_STRING) lastError!: string | null;
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: 'When the next retry is due; null when none is.' }) nextAttemptAt!:
    | string
    | null;
  @ApiProperty(NULLABLE_DATE_TIME) deliveredAt!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) createdAt!: string | null;
}

export class DeliveryListDocs {
  @ApiProperty({ type: [DeliveryDocs] }) deliveries!: DeliveryDocs[];
}
