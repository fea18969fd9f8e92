import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_EVENT_TYPES } from './webhooks.dto';

const NULLABLE_DATE_TIME = { type: 'string', format: 'date-time', nullable: true } as const;

/** A webhook endpoint as answered: the signing secret is shown at creation and rotation only. */
export class WebhookEndpointDocs {
  @ApiProperty({ example: 'whk_3c2b1a0f9e8d4c7b6a5f4e3d2c1b0a9f' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/exportd' }) url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['export.completed', 'export.failed'] })
  eventTypes!: string[];
  @ApiProperty({ description: 'A disabled endpoint gets no deliveries.', example: false }) disabled!: boolean;
  @ApiProperty({ type: 'string', nullable: true, description: 'Why it was disabled (e.g. it answered 410).' })
  disabledReason!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) disabledAt!: string | null;
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: 'The latest rotation: the previous secret also signs for 24 h after it.' })
  secretRotatedAt!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) createdAt!: string | null;
}

export class WebhookEndpointWithSecretDocs extends WebhookEndpointDocs {
  @ApiProperty({
    description: 'The Standard Webhooks signing secret, shown this once (stored encrypted).',
    example: 'whsec_jjlHWkCE2eZYctjY32zuIoULrb2kTQLN/JqzEaTybvg=',
  })
  secret!: string;
}

export class WebhookEndpointListDocs {
  @ApiProperty({ type: [WebhookEndpointDocs] }) webhooks!: WebhookEndpointDocs[];
}
