import './register-paths';
import { stopTestServers } from './global-setup';
import { assertNoSecretsInLogs } from './log-secrets';
import { TEST_SERVERS_ENV, testServers } from './test-servers';

export default async function globalTeardown(): Promise<void> {
  await stopTestServers();
  // A run whose setup failed has nothing to scan.
  if (process.env[TEST_SERVERS_ENV]) await assertNoSecretsInLogs(testServers().tmpDir);
}
