import mongoose from 'mongoose';
import { Client } from 'pg';
import { eventually, testMongoUrl, testServers } from './test-servers';

/**
 * The embedded database's promise: on FerretDB's PostgreSQL backend an app's query reads through an index,
 * so its cost follows what the app holds, not what the whole platform holds. FerretDB 1.24 pushes equality
 * filters down as `_jsonb -> 'field' @> value`, which only the GIN indexes kept by the local stack can serve.
 */
describe('FerretDB on PostgreSQL (the default backend of the test run)', () => {
  it('an equality filter on an indexed field is answered by an index scan, not a scan of the collection', async () => {
    const { postgresUrl } = testServers();
    if (!postgresUrl) {
      // MONGO_URL or FERRETDB_BACKEND=sqlite chose another server for this run: nothing of PostgreSQL to check.
      expect(process.env.MONGO_URL || process.env.FERRETDB_BACKEND === 'sqlite').toBeTruthy();
      return;
    }
    const url = testMongoUrl('pushdown');
    const connection = await mongoose.createConnection(url).asPromise();
    const pg = new Client({ connectionString: postgresUrl });
    await pg.connect();
    try {
      const calls = connection.collection('calls');
      await calls.createIndex({ appId: 1, day: 1 });
      await calls.insertMany(
        Array.from({ length: 5_000 }, (_, i) => ({
          appId: `app_${i % 100}`,
          day: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
          n: i,
        })),
      );
      const schema = new URL(url).pathname.slice(1);
      await eventually(
        async () => {
          const { rows } = await pg.query<{ indexdef: string }>(
            `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%USING gin%'`,
            [schema],
          );
          return rows.some((r) => /'appId'.*jsonb_path_ops/.test(r.indexdef)) ? true : undefined;
        },
        10_000,
        'a GIN index on appId',
      );
      // Only this test's own tables: other test files create and drop theirs meanwhile, and a database-wide
      // ANALYZE fails on a table dropped while it runs.
      const { rows: tables } = await pg.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1`, [
        schema,
      ]);
      for (const { tablename } of tables)
        await pg.query(`ANALYZE ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(tablename)}`);

      const explained = await connection
        .getClient()
        .db(connection.name)
        .command({
          explain: { find: 'calls', filter: { appId: 'app_7', day: '2026-01-08' } },
        });
      const plan = JSON.stringify(explained.queryPlanner);
      expect(explained.filterPushdown).toBe(true);
      expect(plan).toContain('Bitmap Index Scan');
      expect(plan).not.toContain('Seq Scan');
      expect(await calls.countDocuments({ appId: 'app_7', day: '2026-01-08' })).toBe(8); // i = 7 (mod 700)
    } finally {
      await pg.end();
      await connection.close();
    }
  });
});
