import { ApiProperty } from '@nestjs/swagger';

export class ExclusionsDocs {
  @ApiProperty({ type: [String], example: ['user-42', 'qa-bot'] }) userIds!: string[];
  @ApiProperty({ type: [String], example: ['internal-co'] }) companyIds!: string[];
}
