import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Serves the OpenAPI document at /openapi.json and Swagger UI at /docs. */
export function installOpenApi(_app: NestFastifyApplication): void {
  // Filled in by the OpenAPI work: DocumentBuilder (OpenAPI 3.1), security schemes, SwaggerModule.setup.
}
