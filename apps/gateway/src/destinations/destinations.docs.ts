import { ApiProperty } from '@nestjs/swagger';
import { DESTINATION_PROVIDERS } from './destinations.dto';

/** `details.reason` of a `destination_invalid` error, and `lastCheck.reason`. */
export const DESTINATION_CHECK_REASONS = [
  'invalid_url',
  'invalid_access_key',
  'signature_mismatch',
  'no_such_bucket',
  'access_denied',
  'unreachable',
  'forbidden_address',
];

const NULLABLE_DATE_TIME = { type: 'string', format: 'date-time', nullable: true } as const;

export const DESTINATION_INVALID_DESCRIPTION =
  '`destination_invalid`: listing the bucket with the credentials failed (nothing saved); `details.reason` is one of ' +
  DESTINATION_CHECK_REASONS.map((reason) => `\`${reason}\``).join(', ') +
  ' and the message says what to fix. `invalid_request`: a field is malformed, missing for the provider or not taken by it (named).';

export class DestinationCheckDocs {
  @ApiProperty({ ...NULLABLE_DATE_TIME, description: 'When the storage was last checked.' }) at!: string | null;
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiProperty({
    type: 'string',
    enum: DESTINATION_CHECK_REASONS,
    nullable: true,
    description: 'Why the check failed; null when ok.',
  })
  reason!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'What to fix; null when ok.' }) message!: string | null;
}

/** A destination as answered: the secret access key is never part of it. */
export class DestinationDocs {
  @ApiProperty({ example: 'dst_7a6b5c4d3e2f4a1b9c8d7e6f5a4b3c2d' }) id!: string;
  @ApiProperty({ example: 'Data lake' }) name!: string;
  @ApiProperty({ enum: DESTINATION_PROVIDERS, example: 'aws' }) provider!: string;
  @ApiProperty({ example: 'acme-exports' }) bucket!: string;
  @ApiProperty({ example: 'eu-west-1' }) region!: string;
  @ApiProperty({ description: 'The object prefix; empty for none.', example: 'analytics' }) key!: string;
  @ApiProperty({ description: 'The storage endpoint; empty for `aws`.', example: '' }) endpoint!: string;
  @ApiProperty({ example: 'AKIAIOSFODNN7EXAMPLE' }) accessKeyId!: string;
  @ApiProperty(NULLABLE_DATE_TIME) createdAt!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) updatedAt!: string | null;
  @ApiProperty({
    type: () => DestinationCheckDocs,
    nullable: true,
    description: 'The outcome of the latest check (at each create and change, and by `POST .../check`).',
  })
  lastCheck!: DestinationCheckDocs | null;
}

export class DestinationListDocs {
  @ApiProperty({ type: [DestinationDocs] }) destinations!: DestinationDocs[];
}
