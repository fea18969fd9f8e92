import { createHash } from 'node:crypto';
import { Client } from 'pg';

/**
 * FerretDB 1.24 pushes an equality filter down to PostgreSQL as `_jsonb -> 'field' @> value`, and the btree
 * indexes it creates for `createIndex` cannot serve that operator: without help every query is a sequential
 * scan of the whole collection (all apps). For every field of a FerretDB index, this keeps a GIN index on
 * `_jsonb -> 'field'` (jsonb_path_ops), which PostgreSQL uses for those filters (a bitmap index scan: an app's
 * query then reads that app's rows). It runs beside FerretDB on the embedded database and follows the
 * collections and indexes the services create. FerretDB does not list these indexes; dropping a collection
 * drops them with its table.
 */
export interface PushdownIndexKeeper {
  /** Creates what is missing now (also run every interval). */
  sync(): Promise<number>;
  stop(): Promise<void>;
}

const FIELD_OF_FERRETDB_INDEX = /\(_jsonb -> '((?:[^']|'')+)'::text\)/g;

export async function keepPushdownIndexes(url: string, intervalMs = 1_000): Promise<PushdownIndexKeeper> {
  const client = new Client({ connectionString: url });
  await client.connect();
  let running: Promise<number> | undefined;
  let stopped = false;

  const sync = async (): Promise<number> => {
    const { rows } = await client.query<{ schemaname: string; tablename: string; indexdef: string }>(
      `SELECT schemaname, tablename, indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    const have = new Set<string>();
    const want = new Map<string, { schema: string; table: string; field: string }>();
    for (const row of rows) {
      const gin = row.indexdef.includes(' USING gin ');
      for (const match of row.indexdef.matchAll(FIELD_OF_FERRETDB_INDEX)) {
        const field = (match[1] ?? '').replaceAll("''", "'");
        const key = `${row.schemaname}.${row.tablename}.${field}`;
        if (gin) have.add(key);
        else want.set(key, { schema: row.schemaname, table: row.tablename, field });
      }
    }
    let created = 0;
    for (const [key, { schema, table, field }] of want) {
      if (have.has(key) || stopped) continue;
      const name = `${table.slice(0, 40)}_${createHash('sha256').update(field).digest('hex').slice(0, 8)}_gin`;
      try {
        await client.query(
          `CREATE INDEX IF NOT EXISTS ${ident(name)} ON ${ident(schema)}.${ident(table)} USING gin ((_jsonb -> ${literal(field)}) jsonb_path_ops)`,
        );
        created += 1;
      } catch {
        // The collection was dropped meanwhile (a test's database): nothing to index.
      }
    }
    return created;
  };

  const once = () => {
    running ??= sync().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void once().catch(() => undefined), intervalMs);
  timer.unref();
  await once();
  return {
    sync: once,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
      await client.end();
    },
  };
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
