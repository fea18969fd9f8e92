/**
 * Tenant isolation benchmark: `npm run bench:isolation -- [--events 20000] [--factor 10]`.
 *
 * What a customer relies on: its exports do not slow down because another customer stores much more data.
 * Starts its own servers and platform (FerretDB on the backend FERRETDB_BACKEND names, PostgreSQL by default),
 * seeds a small app (`--events` events over one month) and exports that month through the Bulk Data Export
 * API; then another app stores `--factor` times as many events over the same month and the small app's
 * export runs again. Prints both times and their ratio (about 1 when every query reads only its own app's
 * rows; it grows with the factor when queries scan the whole collection).
 */
import { createBenchApp, exportThroughBulkApi, flag, gatewayApi, say, seedEvents, withStandaloneStack } from '../shared';

async function main(): Promise<void> {
  const events = flag('events', 20_000);
  const factor = flag('factor', 10);
  await withStandaloneStack({ EXPORT_POLL_INTERVAL_MS: '50' }, async (stack) => {
    const api = gatewayApi(stack.platform.gatewayUrl);
    const small = await createBenchApp(api, stack.adminToken, 'small');
    const big = await createBenchApp(api, stack.adminToken, 'big');
    const month = { from: '2024-01-01', to: '2024-01-31', format: 'jsonl' };
    say(`FerretDB ${stack.mongo.backend} backend; seeding the small app with ${events} events...`);
    await seedEvents(stack.mongoUrl, small.appId, events, month.from, 31);
    await exportThroughBulkApi(api, small.token, month); // warm-up, unmeasured
    const alone = await exportThroughBulkApi(api, small.token, month);

    say(`seeding the big app with ${events * factor} events in the same month...`);
    await seedEvents(stack.mongoUrl, big.appId, events * factor, month.from, 31);
    const beside = await exportThroughBulkApi(api, small.token, month);

    const rows = (files: { rows: number }[]) => files.reduce((n, f) => n + f.rows, 0);
    say('');
    say(`exportd isolation benchmark (FerretDB ${stack.mongo.backend} backend)`);
    say(`small app's month export alone:                   ${rows(alone.files)} rows in ${alone.seconds.toFixed(2)} s`);
    say(`after another app stored ${factor}x as many events: ${rows(beside.files)} rows in ${beside.seconds.toFixed(2)} s`);
    say(`ratio ${(beside.seconds / alone.seconds).toFixed(2)} (1.0 = unaffected by the other app's data)`);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
