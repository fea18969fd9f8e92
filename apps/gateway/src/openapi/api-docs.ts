import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, ApiSecurity } from '@nestjs/swagger';

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
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: 'invalid_request', description: 'A stable, machine-readable code.' }) code!: string;
  @ApiProperty({ example: 'from must be a date (YYYY-MM-DD)' }) message!: string;
  @ApiPropertyOptional({ description: 'Per-field problems of a 400, or other structured details.' }) details?: unknown;
}

/** Every error answer of the API: `{ error: { status, code, message, details? } }`. */
export class ApiErrorBody {
  @ApiProperty({ type: ApiErrorDetail }) error!: ApiErrorDetail;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the body says which field and why.',
  401: 'Missing or unknown credentials.',
  403: 'The key lacks the privilege, or the plan does not include the feature.',
  404: 'Not found (or another app\'s resource).',
  409: 'Conflict with the current state.',
  413: 'Body too large.',
  415: 'Unsupported content type.',
  429: 'Rate limited: see Retry-After.',
  503: 'A service is unavailable: retry later.',
};

/** Documents the error answers a route gives, each with the common error body. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, type: ApiErrorBody, description: ERROR_DESCRIPTIONS[status] ?? 'Error.' })),
  );
}

/** An API-key route (`Bearer` or `Token`), with the errors every such route can give. */
export function ApiKeyAuthDocs(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiSecurity(SECURITY_SCHEMES.bearer), ApiSecurity(SECURITY_SCHEMES.token), ApiErrors(401, 403, 429));
}

/** An admin route (`Authorization: Bearer <ADMIN_TOKEN>`). */
export function AdminAuthDocs(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiSecurity(SECURITY_SCHEMES.admin), ApiErrors(401));
}
