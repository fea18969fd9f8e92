import type { OpenAPIObject } from '@nestjs/swagger';
import { UNSUPPORTED_SDK_ROUTES } from '../tracking/unsupported-sdk-routes';
import { ERROR_BODY_REF } from './api-docs';

type PathItemObject = OpenAPIObject['paths'][string];
type OperationObject = NonNullable<PathItemObject['get']> & { 'x-not-supported'?: boolean };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** `/:trackingKey/features/*` as an OpenAPI path: the wildcard is the `{path}` parameter. */
export function openApiPathOf(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

/**
 * The routes of Bucket's SDK this platform does not serve (registered on Fastify directly, so not seen by
 * the Nest scanner): every method answers 404 `not_supported`. The error body's schema is among the
 * document's models (see createOpenApiDocument).
 */
export function addUnsupportedSdkPaths(document: OpenAPIObject): void {
  for (const { url, message } of UNSUPPORTED_SDK_ROUTES) {
    const path = openApiPathOf(url);
    const area = url.split('/')[2] ?? '';
    const item: PathItemObject = {
      parameters: [
        {
          name: 'trackingKey',
          in: 'path',
          required: true,
          description: "The app's public tracking key.",
          schema: { type: 'string' },
        },
        {
          name: 'path',
          in: 'path',
          required: true,
          description: `The rest of the path after /${area}/ (it may hold slashes), e.g. the SDK's ${
            area === 'feedback' ? '`prompting-init`' : '`enabled`'
          }.`,
          schema: { type: 'string' },
        },
      ],
    };
    for (const method of METHODS) {
      const operation: OperationObject = {
        tags: ['Tracking'],
        operationId: `UnsupportedSdk_${area}_${method}`,
        summary: `Bucket SDK ${area === 'feedback' ? 'feedback prompting' : 'feature flag'} route (not supported)`,
        'x-not-supported': true,
        description: `Answered 404 \`not_supported\`: ${message}. Bucket's SDK reads this as "not enabled".`,
        responses: {
          '404': {
            description: 'Always: `not_supported`.',
            content: { 'application/json': { schema: { $ref: ERROR_BODY_REF } } },
          },
        },
      };
      item[method] = operation;
    }
    document.paths[path] = item;
  }
}
