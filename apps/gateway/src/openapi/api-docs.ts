import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity, getSchemaPath } from '@nestjs/swagger';

/** The security schemes of /openapi.json, by the name each is registered under (see openapi.ts). */
export const SECURITY_SCHEMES = {
  /** An API key as `Authorization: Bearer <key>`. */
  bearer: 'Bearer',
  /** An API key as `Authorization: Token <key>` (the Bulk Data Export API's form). */
  token: 'Token',
  /** A Segment write key as HTTP Basic user name (Segment-compatible tracking). */
  basic: 'Basic',
  /** The operator's `Authorization: Bearer <ADMIN_TOKEN>`. */
  admin: 'admin',
} as const;

export class ApiErrorDetail {
  @ApiProperty({ type: 'integer', example: 400 }) status!: number;
  @ApiProperty({ example: 'invalid_request', description: 'A stable, machine-readable code.' }) code!: string;
  @ApiProperty({ example: 'from must be a date (YYYY-MM-DD)' }) message!: string;
  @ApiPropertyOptional({
    description: 'Per-field problems of a 400 (`[{field, problems}]`), or other structured details.',
    anyOf: [
      { type: 'array', items: {} },
      { type: 'object', additionalProperties: true },
    ],
  })
  details?: unknown;
}

/** Every error answer of the API: `{ error: { status, code, message, details? } }`. */
export class ApiErrorBody {
  @ApiProperty({ type: ApiErrorDetail }) error!: ApiErrorDetail;
}

export class BulkApiErrorItem {
  @ApiProperty({
    type: 'string',
    nullable: true,
    example: 'There is already an export job in progress, you can only have one export job in progress at a time.',
  })
  details!: string | null;
  @ApiProperty({ example: 'Conflict' }) error!: string;
  @ApiProperty({ example: '409', description: 'The status as text (the plan refusal says `401` with a 403 status).' })
  error_code!: string;
  @ApiProperty({ example: 'The request could not be completed due to a conflict with the current state of the target resource.' })
  message!: string;
}

/**
 * The Bulk Data Export API's error body, `{ errors: [{ details, error, error_code, message }] }`: its 404 and
 * 409, and the 403 of a plan without exports, which every export API answers.
 */
export class BulkApiErrorBody {
  @ApiProperty({ type: [BulkApiErrorItem] }) errors!: BulkApiErrorItem[];
}

/** The error body schemas of the document (the ones `ApiErrors` refers to). */
export const ERROR_BODY_MODELS = [ApiErrorBody, BulkApiErrorBody];
export const ERROR_BODY_REF = getSchemaPath(ApiErrorBody);
export const BULK_ERROR_BODY_REF = getSchemaPath(BulkApiErrorBody);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the body says which field and why.',
  401: 'Missing or unknown credentials.',
  403: 'The key lacks the privilege, or the plan does not include the feature.',
  404: "Not found (or another app's resource).",
  409: 'Conflict with the current state.',
  413: 'Body too large.',
  415: 'Unsupported content type.',
  429: 'Rate limited: see Retry-After.',
  502: '`outcome_unknown`: the connection to a service dropped while the call was in flight.',
  503: 'A service is unavailable: retry later.',
  504: '`outcome_unknown`: the deadline passed while the call was in flight.',
};

/** Which body an error answer has: the platform's, the Bulk Data Export API's, or either. */
export type ErrorBodyKind = 'platform' | 'bulk' | 'either';

/** One error answer: its status, and optionally what it means here and which body it has. */
export interface ApiErrorSpec {
  status: number;
  description?: string;
  body?: ErrorBodyKind;
}

function errorSchema(body: ErrorBodyKind): { $ref: string } | { oneOf: { $ref: string }[] } {
  if (body === 'platform') return { $ref: ERROR_BODY_REF };
  if (body === 'bulk') return { $ref: BULK_ERROR_BODY_REF };
  return { oneOf: [{ $ref: ERROR_BODY_REF }, { $ref: BULK_ERROR_BODY_REF }] };
}

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' as const, minimum: 1 } },
};

function errorResponse(spec: number | ApiErrorSpec): MethodDecorator & ClassDecorator {
  const { status, description, body = 'platform' } = typeof spec === 'number' ? { status: spec } : spec;
  const text = description ?? ERROR_DESCRIPTIONS[status] ?? 'Error.';
  const headers = status === 429 ? { headers: RETRY_AFTER } : {};
  if (body === 'platform') return ApiResponse({ status, type: ApiErrorBody, description: text, ...headers });
  return ApiResponse({ status, description: text, schema: errorSchema(body), ...headers });
}

/**
 * Documents the error answers a route gives, each with the common error body (or, given an ApiErrorSpec, the
 * Bulk Data Export API's body, or either). A status given again replaces the earlier one of the same decorator.
 */
export function ApiErrors(...statuses: (number | ApiErrorSpec)[]): MethodDecorator & ClassDecorator {
  // Later ApiResponse decorators are applied first: reversed, so a status given twice keeps its last spec.
  return applyDecorators(...[...statuses].reverse().map(errorResponse));
}

/** What an API-key route needs beyond a valid key. */
export interface ApiKeyAuthOptions {
  /** The privileges the key must hold (listed in the 403's description and as `x-privileges`). */
  privileges?: readonly string[];
  /** The route answers the shared plan refusal (403 with the Bulk Data Export API's body) on plans without exports. */
  plan?: boolean;
}

/** An API-key route (`Bearer` or `Token`), with the errors every such route can give. */
export function ApiKeyAuthDocs(options: ApiKeyAuthOptions = {}): MethodDecorator & ClassDecorator {
  const privileges = options.privileges ?? [];
  const lacks =
    privileges.length > 0
      ? `The key lacks the ${privileges.map((p) => `\`${p}\``).join(', ')} privilege`
      : 'The key lacks a privilege';
  const forbidden: ApiErrorSpec = options.plan
    ? {
        status: 403,
        body: 'either',
        description: `${lacks} (\`missing_privilege\`), or the app's plan does not include exports (the Bulk Data Export API's body).`,
      }
    : { status: 403, description: `${lacks} (\`missing_privilege\`).` };
  return applyDecorators(
    ApiSecurity(SECURITY_SCHEMES.bearer),
    ApiSecurity(SECURITY_SCHEMES.token),
    ...(privileges.length > 0 ? [ApiExtension('x-privileges', [...privileges])] : []),
    ApiErrors(401, forbidden, 429),
  );
}

/** An admin route (`Authorization: Bearer <ADMIN_TOKEN>`). */
export function AdminAuthDocs(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiSecurity(SECURITY_SCHEMES.admin), ApiErrors(401));
}
