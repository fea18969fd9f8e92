import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SegmentDocs {
  @ApiProperty({ example: 'seg_4d3c2b1a0f9e4d8c7b6a5f4e3d2c1b0a' }) id!: string;
  @ApiProperty({ example: 'Big spenders' }) name!: string;
  @ApiProperty({ description: 'The filter over company attributes.', example: 'monthly_spend >= 50' }) filter!: string;
  @ApiPropertyOptional({ format: 'date-time' }) createdAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) updatedAt?: string;
}

export class SegmentListDocs {
  @ApiProperty({ type: [SegmentDocs] }) segments!: SegmentDocs[];
}
