import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const WEBHOOK_EVENT_TYPES = ['export.completed', 'export.failed', 'export.automatic.failed'];
const EVENT_TYPES_MESSAGE = `each event type must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`;

export class CreateWebhookDto {
  @IsString()
  @MaxLength(2048)
  url!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  eventTypes!: string[];
}

export class UpdateWebhookDto {
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  eventTypes?: string[];

  /** false re-enables an endpoint that was disabled (by a 410 answer or through the API). */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
