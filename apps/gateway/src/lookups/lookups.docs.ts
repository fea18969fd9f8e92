import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, getSchemaPath } from '@nestjs/swagger';

export class LookupPropertyEventDocs {
  @ApiProperty({ type: String }) display_name!: string;
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
}

/** user_properties, company_properties and events_properties: attribute keys seen in the app's data. */
export class LookupPropertyDocs {
  @ApiProperty({ type: String, description: 'The key (`<event>:<key>` for event properties).' }) id!: string;
  @ApiProperty({ type: String, example: 'plan' }) key!: string;
  @ApiProperty({ type: String }) display_name!: string;
  @ApiProperty({ enum: ['string', 'number', 'boolean', 'object', 'array', 'null'] }) data_type!: string;
  @ApiProperty({ type: 'null' }) category!: null;
  @ApiProperty({ type: 'null' }) description!: null;
  @ApiProperty({ type: Boolean }) is_archived!: boolean;
  @ApiProperty({ type: Boolean }) is_auto_property!: boolean;
  @ApiProperty({ type: LookupPropertyEventDocs, required: false, description: 'events_properties: the event.' })
  event?: LookupPropertyEventDocs;
}

/** features_events: the event names seen, with their counts. */
export class LookupFeatureEventDocs {
  @ApiProperty({ type: String }) id!: string;
  @ApiProperty({ type: String }) key!: string;
  @ApiProperty({ type: String }) display_name!: string;
  @ApiProperty({ enum: ['event'] }) type!: string;
  @ApiProperty({ type: 'integer' }) count!: number;
}

/** event_types: the Bulk API's event types, whether this platform has a source for each, and which. */
export class LookupEventTypeDocs {
  @ApiProperty({ type: String, example: 'track_feature' }) event_type!: string;
  @ApiProperty({ type: Boolean }) available!: boolean;
  @ApiProperty({ type: String, example: 'event calls' }) source!: string;
}

/** segments: the app's segments. */
export class LookupSegmentDocs {
  @ApiProperty({ type: String }) id!: string;
  @ApiProperty({ type: String }) name!: string;
  @ApiProperty({ type: String, example: 'monthly_spend >= 50' }) filter!: string;
  @ApiProperty({ type: String, format: 'date-time' }) inserted_at!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: string;
}

export class LookupCursorDocs {
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after_cursor` for the next page.' }) after!: string | null;
  @ApiProperty({ type: String, nullable: true }) before!: string | null;
}

export class LookupPageMetadataDocs {
  @ApiProperty({ type: LookupCursorDocs }) cursor!: LookupCursorDocs;
  @ApiProperty({ type: 'integer' }) limit!: number;
  @ApiProperty({ type: 'integer' }) total_count!: number;
  @ApiProperty({ type: Boolean }) total_count_cap_exceeded!: boolean;
}

/** events_properties and segments: one page, with seed 002's cursor metadata. */
export class LookupPageDocs {
  @ApiProperty({
    type: 'array',
    items: { anyOf: [{ $ref: getSchemaPath(LookupPropertyDocs) }, { $ref: getSchemaPath(LookupSegmentDocs) }] },
  })
  data!: unknown[];
  @ApiProperty({ type: LookupPageMetadataDocs }) metadata!: LookupPageMetadataDocs;
}

const ARRAY_OF = (model: new () => object) => ({ type: 'array' as const, items: { $ref: getSchemaPath(model) } });

/** The 200 of GET .../lookups/{lookup}: an array (user_properties, company_properties, features_events, event_types) or a page. */
export function LookupResponseDocs(): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(LookupPropertyDocs, LookupFeatureEventDocs, LookupEventTypeDocs, LookupSegmentDocs, LookupPageDocs),
    ApiOkResponse({
      description:
        'user_properties, company_properties: property arrays; features_events: event arrays; event_types: event type arrays; events_properties (properties) and segments: a page.',
      schema: {
        anyOf: [
          ARRAY_OF(LookupPropertyDocs),
          ARRAY_OF(LookupFeatureEventDocs),
          ARRAY_OF(LookupEventTypeDocs),
          { $ref: getSchemaPath(LookupPageDocs) },
        ],
      },
    }),
  );
}
