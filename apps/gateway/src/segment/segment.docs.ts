import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiExtension,
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiSecurity,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors, SECURITY_SCHEMES } from '../openapi/api-docs';
import { TrackingAcceptedDocs } from '../tracking/tracking.docs';

const ID = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const OBJECT = { type: 'object', additionalProperties: true } as const;
const DATE = { type: 'string', description: 'ISO 8601.', example: '2024-05-01T12:00:00.000Z' } as const;

/** The fields every Segment call has (https://segment.com/docs/connections/spec/common/). */
export class SegmentCommonDocs {
  @ApiPropertyOptional({ ...ID, description: 'The user; `anonymousId` is the user when there is none (one is required).' })
  userId?: string | number;
  @ApiPropertyOptional(ID) anonymousId?: string | number;
  @ApiPropertyOptional({ ...ID, description: 'Deduplicates: a retried call is stored once.' }) messageId?: string | number;
  @ApiPropertyOptional({
    ...OBJECT,
    description:
      '`active: false` leaves last seen unchanged; `groupId` is the company of track, page and screen calls; `page` holds page fields.',
  })
  context?: Record<string, unknown>;
  @ApiPropertyOptional({ ...OBJECT, description: 'Accepted and ignored.' }) integrations?: Record<string, unknown>;
  @ApiPropertyOptional(DATE) timestamp?: string;
  @ApiPropertyOptional({ ...DATE, description: "The device's time of the call (corrected for clock skew with sentAt)." })
  originalTimestamp?: string;
  @ApiPropertyOptional({
    ...DATE,
    description: 'When the device sent it: the skew between sentAt and reception corrects the time.',
  })
  sentAt?: string;
  @ApiPropertyOptional({ type: String, description: "The app's tracking key, when there is no Basic authorization." })
  writeKey?: string;
}

export class SegmentIdentifyDocs extends SegmentCommonDocs {
  @ApiPropertyOptional({ ...OBJECT, description: "The user's attributes." }) traits?: Record<string, unknown>;
}

export class SegmentGroupDocs extends SegmentCommonDocs {
  @ApiProperty({ ...ID, description: 'The company.' }) groupId!: string | number;
  @ApiPropertyOptional({ ...OBJECT, description: "The company's attributes." }) traits?: Record<string, unknown>;
}

export class SegmentTrackDocs extends SegmentCommonDocs {
  @ApiProperty({ type: String, example: 'Opened report' }) event!: string;
  @ApiPropertyOptional({ ...OBJECT, description: "The event's attributes." }) properties?: Record<string, unknown>;
}

export class SegmentPageDocs extends SegmentCommonDocs {
  @ApiPropertyOptional({ type: String, description: 'The title when `properties.title` gives none.' }) name?: string;
  @ApiPropertyOptional({ ...OBJECT, description: '`url`, `path`, `title`, `referrer`, and the attributes.' })
  properties?: Record<string, unknown>;
}

export class SegmentBatchIdentifyDocs extends SegmentIdentifyDocs {
  @ApiProperty({ enum: ['identify'] }) type!: 'identify';
}
export class SegmentBatchGroupDocs extends SegmentGroupDocs {
  @ApiProperty({ enum: ['group'] }) type!: 'group';
}
export class SegmentBatchTrackDocs extends SegmentTrackDocs {
  @ApiProperty({ enum: ['track'] }) type!: 'track';
}
export class SegmentBatchPageDocs extends SegmentPageDocs {
  @ApiProperty({ enum: ['page', 'screen'] }) type!: 'page' | 'screen';
}

const BATCH_ITEMS = [SegmentBatchIdentifyDocs, SegmentBatchGroupDocs, SegmentBatchTrackDocs, SegmentBatchPageDocs];

export class SegmentBatchDocs {
  @ApiProperty({
    type: 'array',
    maxItems: 2500,
    description: 'The calls, each with its `type` (an `alias` item refuses the batch).',
    items: { oneOf: BATCH_ITEMS.map((model) => ({ $ref: getSchemaPath(model) })) },
  })
  batch!: unknown[];
  @ApiPropertyOptional({ ...OBJECT, description: "Applies to each item (the item's own keys win)." })
  context?: Record<string, unknown>;
  @ApiPropertyOptional({ ...OBJECT, description: 'Applies to each item; ignored.' }) integrations?: Record<string, unknown>;
  @ApiPropertyOptional({ ...DATE, description: 'The sentAt of each item without one.' }) sentAt?: string;
  @ApiPropertyOptional({ type: String, description: "The app's tracking key, when there is no Basic authorization." })
  writeKey?: string;
}

export class SegmentAliasDocs extends SegmentCommonDocs {
  @ApiPropertyOptional(ID) previousId?: string | number;
}

/** A Segment-compatible route: the write key as Basic user name (or `writeKey`), Segment's answers and errors. */
export function SegmentCallDocs(body: new () => object, alias = false): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(...BATCH_ITEMS),
    ApiSecurity(SECURITY_SCHEMES.basic),
    ApiBody({ type: body }),
    alias ? ApiExtension('x-not-supported', true) : ApiOkResponse({ type: TrackingAcceptedDocs, description: 'Stored.' }),
    ApiErrors(
      {
        status: 400,
        description: alias
          ? '`alias_not_supported`: this platform does not merge user identities (after the write key is checked).'
          : "`invalid_request` naming each bad field (a batch's by index), `payload_too_large` (32 KB a call, 500 KB a batch), `too_many_calls` (2,500 a batch) or `alias_not_supported`; nothing stored.",
      },
      { status: 401, description: '`unauthenticated` (no write key) or `invalid_tracking_key` (unknown write key).' },
      { status: 415, description: 'The body is not JSON.' },
      ...(alias
        ? []
        : [
            { status: 429, description: "`rate_limited`: over the tracking key's rate limit; nothing stored." },
            { status: 502, description: '`outcome_unknown`: maybe stored; the messageId makes a retry safe.' },
            { status: 503, description: 'Nothing stored: retry later.' },
            { status: 504, description: '`outcome_unknown`: maybe stored; the messageId makes a retry safe.' },
          ]),
    ),
  );
}
