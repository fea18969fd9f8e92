import './register-paths';
import { stopTestServers } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await stopTestServers();
}
