import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JSON_SCALAR_SCHEMA } from './feature.dto';

export class CompanyAttributeConditionDocs {
  @ApiProperty({ example: 'plan' }) key!: string;
  @ApiProperty({ ...JSON_SCALAR_SCHEMA, description: 'A string, number, boolean or null.', example: 'enterprise' })
  equals!: unknown;
}

/** A feature: its usage rule is either `events` or `companyAttribute`, never both. */
export class FeatureDocs {
  @ApiProperty({ example: 'feat_9b1e4c2d7a6f4e8b9c0d1e2f3a4b5c6d' }) id!: string;
  @ApiProperty({ example: 'Reports' }) name!: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Present when the feature is used through events.',
    example: ['Opened report', 'Exported report'],
  })
  events?: string[];

  @ApiPropertyOptional({
    type: () => CompanyAttributeConditionDocs,
    description: 'Present when the feature is used by the companies matching a company attribute.',
  })
  companyAttribute?: CompanyAttributeConditionDocs;

  @ApiPropertyOptional({ format: 'date-time' }) createdAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) updatedAt?: string;
}

export class FeatureListDocs {
  @ApiProperty({ type: [FeatureDocs] }) features!: FeatureDocs[];
}
