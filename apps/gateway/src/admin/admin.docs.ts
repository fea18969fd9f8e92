import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PLANS, PRIVILEGES } from './admin.dto';

/** An app (tenant) as the admin API answers it. */
export class AppDocs {
  @ApiProperty({ example: 'app_0f6c1c4e9b3a4d2f8e7a6b5c4d3e2f1a' }) id!: string;
  @ApiProperty({ example: 'Acme production' }) name!: string;
  @ApiProperty({ enum: PLANS, example: 'pro' }) plan!: string;
  @ApiProperty({
    description: 'The public key of the Tracking API (`/{trackingKey}/...`).',
    example: 'tk_3kTq9XbW2mZp7LrVc8yQ2hVt',
  })
  trackingKey!: string;
  @ApiPropertyOptional({ format: 'date-time' }) createdAt?: string;
}

export class CreatedAppDocs extends AppDocs {
  @ApiProperty({
    description: 'A full-privilege API key, shown this once (stored only as a hash).',
    example: 'sk_Zc8yQ2hVt5nB1wXe4RgL9pKd3kTq9XbW2mZp7LrV',
  })
  apiKey!: string;

  @ApiProperty({ example: 'key_5e2d1c0b9a8f4e3d2c1b0a9f8e7d6c5b' }) apiKeyId!: string;
}

export class CreatedApiKeyDocs {
  @ApiProperty({ example: 'key_5e2d1c0b9a8f4e3d2c1b0a9f8e7d6c5b' }) id!: string;
  @ApiProperty({
    description: 'The API key, shown this once (stored only as a hash).',
    example: 'sk_Zc8yQ2hVt5nB1wXe4RgL9pKd3kTq9XbW2mZp7LrV',
  })
  key!: string;
  @ApiProperty({ enum: PRIVILEGES, isArray: true, example: ['exports:read'] }) privileges!: string[];
}
