import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class NamedFilterDocs {
  @ApiProperty({ description: 'Referred to as `$NAME`.', example: 'EXCLUDE_BOTS' }) name!: string;
  @ApiProperty({ description: 'The name when none was given.', example: 'Exclude bots' }) displayName!: string;
  @ApiProperty({ example: 'attributes.is_bot != true' }) filter!: string;
  @ApiPropertyOptional({ format: 'date-time' }) createdAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) updatedAt?: string;
}

export class NamedFilterListDocs {
  @ApiProperty({ type: [NamedFilterDocs] }) filters!: NamedFilterDocs[];
}
