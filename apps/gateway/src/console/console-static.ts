import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Serves the web console's static build at /console. */
export async function installConsole(_app: NestFastifyApplication): Promise<void> {
  // Filled in by the console work.
}
