import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createGateway } from './bootstrap';
import { loadGatewayEnv } from './config/env';

async function main(): Promise<void> {
  const env = loadGatewayEnv();
  const app = await createGateway(env);
  await app.listen(env.PORT, env.HOST);
  new Logger('gateway').log(`HTTP listening on ${env.HOST}:${env.PORT}`);
}

void main();
