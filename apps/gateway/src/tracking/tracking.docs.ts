import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-docs';

/** Ids may be strings or integers (stored as strings). */
const ID = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const ATTRIBUTES = {
  type: 'object',
  additionalProperties: true,
  description: 'Free-form attributes (limits on keys, nesting and string lengths apply).',
  example: { plan: 'pro' },
} as const;
const TIMESTAMP = {
  type: 'string',
  description: 'ISO 8601; a time without a zone is UTC. Default: when the gateway received the call.',
  example: '2024-05-01T12:00:00Z',
} as const;
const MESSAGE_ID = {
  ...ID,
  description: 'Makes retries safe: a repeated messageId is answered 200 and stored once.',
} as const;

export class TrackingContextDocs {
  @ApiPropertyOptional({ type: Boolean, description: '`false` leaves last seen unchanged.' })
  active?: boolean;
}

export class UserCallDocs {
  @ApiProperty({ ...ID, example: 'user-42' }) userId!: string | number;
  @ApiPropertyOptional(ATTRIBUTES) attributes?: Record<string, unknown>;
  @ApiPropertyOptional({ type: TrackingContextDocs }) context?: TrackingContextDocs;
  @ApiPropertyOptional(TIMESTAMP) timestamp?: string;
  @ApiPropertyOptional(MESSAGE_ID) messageId?: string | number;
}

export class CompanyCallDocs {
  @ApiProperty({ ...ID, example: 'acme' }) companyId!: string | number;
  @ApiPropertyOptional({ ...ID, description: 'Associates the user with the company.' }) userId?: string | number;
  @ApiPropertyOptional(ATTRIBUTES) attributes?: Record<string, unknown>;
  @ApiPropertyOptional({ type: TrackingContextDocs }) context?: TrackingContextDocs;
  @ApiPropertyOptional(TIMESTAMP) timestamp?: string;
  @ApiPropertyOptional(MESSAGE_ID) messageId?: string | number;
}

export class EventCallDocs {
  @ApiProperty({ type: String, example: 'Opened report' }) event!: string;
  @ApiProperty({ ...ID, example: 'user-42' }) userId!: string | number;
  @ApiPropertyOptional({ ...ID, description: "Without it, the event counts for the user's companies." })
  companyId?: string | number;
  @ApiPropertyOptional(ATTRIBUTES) attributes?: Record<string, unknown>;
  @ApiPropertyOptional({ type: TrackingContextDocs }) context?: TrackingContextDocs;
  @ApiPropertyOptional(TIMESTAMP) timestamp?: string;
  @ApiPropertyOptional(MESSAGE_ID) messageId?: string | number;
}

export class FeedbackCallDocs {
  @ApiProperty({ ...ID, example: 'export-v2' }) featureId!: string | number;
  @ApiProperty({ ...ID, example: 'user-42' }) userId!: string | number;
  @ApiPropertyOptional(ID) companyId?: string | number;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 5, description: 'Score or comment (or both) is required.' })
  score?: number;
  @ApiPropertyOptional({ type: String }) comment?: string;
  @ApiPropertyOptional(TIMESTAMP) timestamp?: string;
  @ApiPropertyOptional(MESSAGE_ID) messageId?: string | number;
  @ApiPropertyOptional({ type: String, description: "The question answered (Bucket's SDK)." }) question?: string;
  @ApiPropertyOptional({ type: String, description: "The prompt's question (Bucket's SDK)." }) promptedQuestion?: string;
  @ApiPropertyOptional(ID) promptId?: string | number;
  @ApiPropertyOptional({ type: String, description: 'Where the feedback came from (e.g. `widget`).' }) source?: string;
  @ApiPropertyOptional({ ...ID, description: 'A feedbackId sent before: this call updates that feedback.' })
  feedbackId?: string | number;
}

export class PageCallDocs {
  @ApiProperty({ ...ID, example: 'user-42' }) userId!: string | number;
  @ApiPropertyOptional({ type: String, example: 'https://app.example.com/reports?id=1' }) url?: string;
  @ApiPropertyOptional({ type: String, example: '/reports' }) path?: string;
  @ApiPropertyOptional({ type: String, example: 'Reports' }) title?: string;
  @ApiPropertyOptional({ type: String }) referrer?: string;
  @ApiPropertyOptional(ID) companyId?: string | number;
  @ApiPropertyOptional(ATTRIBUTES) attributes?: Record<string, unknown>;
  @ApiPropertyOptional({ type: TrackingContextDocs }) context?: TrackingContextDocs;
  @ApiPropertyOptional(TIMESTAMP) timestamp?: string;
  @ApiPropertyOptional(MESSAGE_ID) messageId?: string | number;
}

export class BulkUserCallDocs extends UserCallDocs {
  @ApiProperty({ enum: ['user'] }) type!: 'user';
}
export class BulkCompanyCallDocs extends CompanyCallDocs {
  @ApiProperty({ enum: ['company'] }) type!: 'company';
}
export class BulkEventCallDocs extends EventCallDocs {
  @ApiProperty({ enum: ['event'] }) type!: 'event';
}
export class BulkFeedbackCallDocs extends FeedbackCallDocs {
  @ApiProperty({ enum: ['feedback'] }) type!: 'feedback';
}
export class BulkPageCallDocs extends PageCallDocs {
  @ApiProperty({ enum: ['page'] }) type!: 'page';
}

export class TrackingAcceptedDocs {
  @ApiProperty({ type: Boolean, example: true, description: 'Always `true`: the call is stored.' }) success!: true;
}

export class FeedbackAcceptedDocs extends TrackingAcceptedDocs {
  @ApiProperty({ type: String, description: "The feedback's id (the one sent, or assigned): send it again to update it." })
  feedbackId!: string;
}

export class BulkAcceptedDocs extends TrackingAcceptedDocs {
  @ApiProperty({ type: 'integer', description: 'How many calls were stored.' }) calls!: number;
}

const BULK_CALLS = [BulkUserCallDocs, BulkCompanyCallDocs, BulkEventCallDocs, BulkFeedbackCallDocs, BulkPageCallDocs];

/** The path parameter of every Tracking API route. */
export function TrackingKeyParam(): MethodDecorator {
  return ApiParam({ name: 'trackingKey', description: "The app's public tracking key.", example: 'tk_0123abcd' });
}

/** The errors of a tracking call (the body parser's 413/415 included); a 4xx stored nothing. */
export function TrackingErrors(): MethodDecorator {
  return ApiErrors(
    { status: 400, description: '`invalid_request`: names every wrong field (`details` lists them); nothing stored.' },
    { status: 401, description: '`invalid_tracking_key`: unknown tracking key.' },
    { status: 413, description: 'Too large: 32 KB per call, 500 KB or 2,500 calls per bulk request.' },
    { status: 415, description: 'The body is not JSON.' },
    { status: 429, description: "`rate_limited`: over the tracking key's rate limit (see Retry-After); nothing stored." },
    { status: 502, description: '`outcome_unknown`: maybe stored; retry only with a messageId.' },
    { status: 503, description: '`ingestion_busy`, `store_failed` or `service_unavailable`: nothing stored, retry later.' },
    { status: 504, description: '`outcome_unknown`: maybe stored; retry only with a messageId.' },
  );
}

/** A single tracking call: its body schema, its 200 answer and its errors. */
export function TrackingCallDocs(body: new () => object, answer: new () => object = TrackingAcceptedDocs): MethodDecorator {
  return applyDecorators(
    TrackingKeyParam(),
    ApiBody({ type: body }),
    ApiOkResponse({ type: answer, description: 'Stored.' }),
    TrackingErrors(),
  );
}

/** POST /{trackingKey}/bulk: an array of calls, each naming its `type`. */
export function BulkCallDocs(): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(...BULK_CALLS),
    TrackingKeyParam(),
    ApiBody({
      description: 'Calls of any type, each with its `type`; a bad item rejects the whole request (`details` names it by index).',
      schema: {
        type: 'array',
        minItems: 1,
        maxItems: 2500,
        items: {
          oneOf: BULK_CALLS.map((model) => ({ $ref: getSchemaPath(model) })),
          discriminator: {
            propertyName: 'type',
            mapping: {
              user: getSchemaPath(BulkUserCallDocs),
              company: getSchemaPath(BulkCompanyCallDocs),
              event: getSchemaPath(BulkEventCallDocs),
              feedback: getSchemaPath(BulkFeedbackCallDocs),
              page: getSchemaPath(BulkPageCallDocs),
            },
          },
        },
      },
    }),
    ApiOkResponse({ type: BulkAcceptedDocs, description: 'Every call is stored.' }),
    TrackingErrors(),
  );
}
