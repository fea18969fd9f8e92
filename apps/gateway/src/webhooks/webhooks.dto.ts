import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const WEBHOOK_EVENT_TYPES = ['export.completed', 'export.failed', 'export.automatic.failed'];
const EVENT_TYPES_MESSAGE = `each event type must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`;

export const WEBHOOK_URL_DESCRIPTION =
  'https; must not resolve to loopback, private or link-local addresses (unless the deployment allows private ' +
  'networks); cloud metadata addresses are always refused. Redirects are not followed.';
export const WEBHOOK_EVENT_TYPES_DESCRIPTION =
  '`export.completed`, `export.failed`, and `export.automatic.failed` (a schedule failed 3 periods in a row).';

export class CreateWebhookDto {
  @ApiProperty({ maxLength: 2048, description: WEBHOOK_URL_DESCRIPTION, example: 'https://hooks.example.com/exportd' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    minItems: 1,
    description: WEBHOOK_EVENT_TYPES_DESCRIPTION,
    example: ['export.completed', 'export.failed'],
  })
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  eventTypes!: string[];
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048, description: WEBHOOK_URL_DESCRIPTION, example: 'https://hooks.example.com/exportd' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    minItems: 1,
    description: `Replaces the subscriptions. ${WEBHOOK_EVENT_TYPES_DESCRIPTION}`,
    example: ['export.completed'],
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  eventTypes?: string[];

  /** false re-enables an endpoint that was disabled (by a 410 answer or through the API). */
  @ApiPropertyOptional({
    description: '`true` disables the endpoint; `false` re-enables one that was disabled (by a 410 answer or through the API).',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
