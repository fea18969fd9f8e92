/**
 * Query-plan check: `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/query-plans/run.ts`.
 *
 * Which of the services' hot-path queries PostgreSQL serves from an index under FerretDB 1.24. Starts its own
 * servers and platform (FerretDB on PostgreSQL; the services create their indexes at start-up, the export
 * worker is off), seeds 2,000 tenants straight into the collections (see seed.ts: 20 busy apps hold 50,000
 * tracking calls), runs ANALYZE, then explains every query shape of shapes.ts. Prints one row per shape:
 * service, collection, operation, filter + sort + limit, source (file:line under apps/<service>/src, found
 * in the code as it is now), what FerretDB pushes down to SQL (`filterPushdown` and the fields), the plan
 * PostgreSQL picks (which index, or Seq Scan, and what it filters), the rows PostgreSQL reads (through the
 * index, or the whole table), hands to FerretDB and the query returns, the query's time, and the verdict:
 *   INDEX    PostgreSQL reads through an index about the rows the query returns (what is not pushed down
 *            is checked on those rows only);
 *   PARTIAL  an index narrows the rows (usually to the app's); PostgreSQL or FerretDB filters the rest and
 *            FerretDB sorts and limits (sort is never pushed down): it reads more rows than it returns;
 *   SCAN     a Seq Scan of the whole collection (nothing pushed down, or no index on what is);
 *   SMALL    a Seq Scan of a small table although a GIN index would serve the pushed-down equality.
 * Then the same for the replacements shapes.ts suggests, if any. Updates, deletes and findAndModify are explained
 * as a find with their filter (FerretDB pushes their filters down the same way); counts as their pipeline.
 */
import { REPO_ROOT, startStandaloneStack } from '@exportd/local-stack';
import type { Db, Document } from 'mongodb';
import mongoose from 'mongoose';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { say } from '../shared';
import { seed } from './seed';
import { hotPaths, Shape, Source, suggestions } from './shapes';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

interface Finding {
  row: string[];
  verdict: Verdict;
  notes: string[];
}

type Verdict = 'INDEX' | 'PARTIAL' | 'SCAN' | 'SMALL';
const VERDICTS: Verdict[] = ['INDEX', 'PARTIAL', 'SCAN', 'SMALL'];

/** The indexes of the bench's schema: label and fields by index name, GIN-indexed fields by table. */
interface Catalog {
  indexes: Map<string, { label: string; fields: string[] }>;
  ginFields: Map<string, Set<string>>;
}

const FIELD = /_jsonb -> '((?:[^']|'')+)'::text/g;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'exportd-bench-'));
  const stack = await startStandaloneStack(dataDir, {
    EXPORT_WORKER_CONCURRENCY: '0',
    EXPORT_SWEEP_INTERVAL_MS: '3600000',
    DELIVERY_POLL_INTERVAL_MS: '60000',
  });
  let failed = false;
  let connection: mongoose.Connection | undefined;
  let pg: Client | undefined;
  try {
    if (!stack.mongo.postgresUrl) throw new Error('this check needs FerretDB on PostgreSQL (FERRETDB_BACKEND=postgresql)');
    connection = await mongoose.createConnection(stack.mongoUrl).asPromise();
    const db = connection.db as Db;
    const schema = db.databaseName;
    pg = new Client({ connectionString: stack.mongo.postgresUrl });
    await pg.connect();
    const now = new Date();
    say(`seeding (FerretDB ${stack.mongo.backend} backend at ${stack.mongo.url})...`);
    const sample = await seed(db, now, say);
    await analyze(pg, schema);

    const findings: Finding[] = [];
    const catalog = await readCatalog(pg, schema);
    for (const shape of hotPaths(sample, now)) findings.push(await explain(db, catalog, shape));
    const suggested: Finding[] = [];
    for (const shape of suggestions(sample, now)) suggested.push(await explain(db, catalog, shape));

    const header = [
      'service',
      'collection',
      'op',
      'query (filter, sort, limit)',
      'source',
      'pushed down',
      'PostgreSQL plan',
      'rows: PG reads → FerretDB gets → returned',
      'ms',
      'verdict',
    ];
    say('');
    say('exportd query plans on FerretDB 1.24 + PostgreSQL 16');
    for (const line of table(
      header,
      findings.map((f) => f.row),
    ))
      say(line);
    const counts = VERDICTS.map((v) => `${findings.filter((f) => f.verdict === v).length} ${v}`);
    say(`${findings.length} shapes: ${counts.join(', ')}`);
    for (const note of findings.flatMap((f) => f.notes)) say(`note: ${note}`);
    if (suggested.length > 0) {
      say('');
      say('suggested replacements');
      for (const line of table(
        header,
        suggested.map((f) => f.row),
      ))
        say(line);
    }
  } catch (error) {
    failed = true;
    say(`logs kept in ${dataDir}`);
    throw error;
  } finally {
    await pg?.end().catch(() => undefined);
    await connection?.close();
    await stack.stop();
    if (!failed) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Waits until every field of every FerretDB index has its GIN index (local-stack adds them), then ANALYZE. */
async function analyze(pg: Client, schema: string): Promise<void> {
  for (let waited = 0; ; waited += 250) {
    const { rows } = await pg.query<{ tablename: string; indexdef: string }>(
      'SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1',
      [schema],
    );
    const fields = (gin: boolean) =>
      new Set(
        rows
          .filter((r) => r.indexdef.includes(' USING gin ') === gin)
          .flatMap((r) => fieldsOf(r.indexdef).map((f) => `${r.tablename}.${f}`)),
      );
    const have = fields(true);
    const missing = [...fields(false)].filter((key) => !have.has(key));
    if (missing.length === 0) break;
    if (waited > 60_000) throw new Error(`GIN indexes still missing after 60 s: ${missing.join(', ')}`);
    await sleep(250);
  }
  await pg.query('ANALYZE');
}

async function readCatalog(pg: Client, schema: string): Promise<Catalog> {
  const { rows } = await pg.query<{ tablename: string; indexname: string; indexdef: string }>(
    'SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1',
    [schema],
  );
  const catalog: Catalog = { indexes: new Map(), ginFields: new Map() };
  for (const { tablename, indexname, indexdef } of rows) {
    const gin = indexdef.includes(' USING gin ');
    const fields = fieldsOf(indexdef);
    catalog.indexes.set(indexname, { label: `${gin ? 'gin' : 'btree'}(${fields.join(', ')})`, fields });
    if (gin)
      for (const field of fields) catalog.ginFields.set(tablename, (catalog.ginFields.get(tablename) ?? new Set()).add(field));
  }
  return catalog;
}

function fieldsOf(sql: string): string[] {
  return [...sql.matchAll(FIELD)].map((m) => (m[1] ?? '').replaceAll("''", "'"));
}

/**
 * Explains one shape, counts the rows PostgreSQL reads (what the index conditions match, or the whole table),
 * hands to FerretDB (what the pushed-down filter matches) and the query returns, times it, and judges it.
 */
async function explain(db: Db, catalog: Catalog, shape: Shape): Promise<Finding> {
  const { collection, filter, sort, limit, pipeline } = shape;
  const notes: string[] = [];
  const command = pipeline
    ? { aggregate: collection, pipeline: [{ $match: filter }, ...pipeline], cursor: {} }
    : { find: collection, filter, ...(sort ? { sort } : {}), ...(limit ? { limit } : {}) };
  const result = await db.command({ explain: command });
  const plan = (result.queryPlanner as { Plan?: PlanNode } | undefined)?.Plan;
  if (!plan) throw new Error(`no plan for ${collection}: ${JSON.stringify(result)}`);

  const { pushed, rest } = pushdownOf(filter);
  const pushedKeys = Object.keys(pushed);
  if (Boolean(result.filterPushdown) !== pushedKeys.length > 0)
    notes.push(
      `${collection} ${render(filter)}: FerretDB says filterPushdown=${String(result.filterPushdown)}, this script expected otherwise`,
    );

  const nodes = flatten(plan);
  const indexes = nodes.flatMap((n) => {
    const index = n['Index Name'] ? catalog.indexes.get(n['Index Name']) : undefined;
    return index ? [{ type: n['Node Type'], ...index }] : [];
  });
  const seqScan = nodes.find((n) => n['Node Type'] === 'Seq Scan');
  const pgFilter = [...new Set(nodes.flatMap((n) => (n.Filter ? fieldsOf(n.Filter) : [])))].filter((f) => !f.startsWith('$'));
  const planText =
    indexes.length > 0
      ? `${[...new Set(indexes.map((i) => i.type))].join(' + ')} ${indexes.map((i) => i.label).join(' & ')}`
      : seqScan
        ? 'Seq Scan'
        : plan['Node Type'];

  const coll = db.collection(collection);
  const indexed = Object.fromEntries(Object.entries(pushed).filter(([key]) => indexes.some((i) => i.fields.includes(key))));
  const pgReads = await coll.countDocuments(indexes.length > 0 ? indexed : {});
  const handed = await coll.countDocuments(pushed);
  const matched = await coll.countDocuments(filter);
  const started = performance.now();
  const got = pipeline
    ? await coll.aggregate([{ $match: filter }, ...pipeline]).toArray()
    : await coll.find(filter, { ...(sort ? { sort } : {}), ...(limit ? { limit } : {}) }).toArray();
  const ms = performance.now() - started;
  const returned = pipeline ? matched : got.length;

  const inPg = pgFilter.filter((f) => !Object.keys(indexed).includes(f));
  const work = [
    ...(inPg.length > 0 && pgReads > handed ? [`${inPg.join(', ')} in PostgreSQL`] : []),
    ...(rest.length > 0 ? [`${rest.join(', ')} in FerretDB`] : []),
    ...(sort && limit && matched > returned ? ['sort + limit in FerretDB'] : []),
  ];
  const close = (a: number, b: number) => a <= b * 1.25 + 1;
  let verdict: Verdict;
  let why: string;
  if (indexes.length === 0) {
    const table = seqScan?.['Relation Name'] ?? '';
    const usable = pushedKeys.filter((k) => catalog.ginFields.get(table)?.has(k));
    verdict = usable.length > 0 && pgReads < 1_000 ? 'SMALL' : 'SCAN';
    if (pushedKeys.length === 0) why = 'nothing pushed down: reads the whole collection';
    else if (usable.length > 0) why = `planner prefers Seq Scan of ${pgReads} rows to gin(${usable.join(', ')})`;
    else why = `no index on ${pushedKeys.join(', ')}: reads the whole collection`;
    if (close(pgReads, returned)) why += ' (needs every row anyway)';
  } else if (close(pgReads, returned)) {
    verdict = 'INDEX';
    why = sort && limit && returned < limit ? 'reads every match: sort + limit in FerretDB' : '';
  } else {
    verdict = 'PARTIAL';
    why = work.join('; ');
  }

  const sources = shape.sources.map(locate);
  for (const [i, where] of sources.entries())
    if (where.endsWith(':?'))
      notes.push(`${shape.sources[i]?.file}: no line has "${shape.sources[i]?.match}" any more; the shape may be out of date`);
  const query = [
    pipeline ? `[$match ${render(filter)}, ${pipeline.map((stage) => Object.keys(stage)[0]).join(', ')}]` : render(filter),
    sort ? `sort ${JSON.stringify(sort).replaceAll('"', '').replaceAll(':', ': ').replaceAll(',', ', ')}` : '',
    limit ? `limit ${limit}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    verdict,
    notes,
    row: [
      shape.service,
      collection,
      shape.op,
      query,
      sources.join(' ') || '(suggested)',
      pushedKeys.length > 0 ? `yes: ${pushedKeys.join(', ')}` : 'no',
      pgFilter.length > 0 ? `${planText}; filter ${pgFilter.join(', ')}` : planText,
      `${pgReads} → ${handed} → ${returned}`,
      ms.toFixed(0),
      why ? `${verdict}: ${why}` : verdict,
    ],
  };
}

/**
 * What FerretDB 1.24's PostgreSQL backend turns into SQL (`prepareWhereClause`): top-level fields (no dots,
 * no `$` operators) with a string, number, bool or date value, or `$eq` / `$ne` of one; the rest is `rest`.
 */
function pushdownOf(filter: Document): { pushed: Document; rest: string[] } {
  const pushed: Document = {};
  const rest: string[] = [];
  const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v) || v instanceof Date;
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$') || key.includes('.')) rest.push(key);
    else if (scalar(value)) pushed[key] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      const kept = Object.entries(value as Document).filter(([op, v]) => (op === '$eq' || op === '$ne') && scalar(v));
      if (kept.length > 0) pushed[key] = Object.fromEntries(kept);
      const left = Object.keys(value as Document).filter((op) => !kept.some(([k]) => k === op));
      if (left.length > 0) rest.push(`${key} ${left.join('/')}`);
    } else rest.push(key);
  }
  return { pushed, rest };
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** `{appId, day: {$gte, $lte}, type: 'feedback'}`: variables as bare keys, constants (enums, booleans) as written. */
function render(value: Document): string {
  const constant = (v: unknown): string | undefined => {
    if (typeof v === 'boolean' || v === null || v === 0 || v === 1) return String(v);
    if (typeof v === 'string' && !/\d/.test(v) && v.length <= 12) return `'${v}'`;
    if (Array.isArray(v)) {
      const items = v.map(constant);
      return items.every((i) => i !== undefined) ? `[${items.join(', ')}]` : `[${v.length} ids]`;
    }
    if (v && typeof v === 'object' && !(v instanceof Date)) return render(v as Document);
    return undefined;
  };
  const entries = Object.entries(value).map(([key, v]) => {
    const shown = constant(v);
    return shown === undefined ? key : `${key}: ${shown}`;
  });
  return `{${entries.join(', ')}}`;
}

/** `file.ts:12,34` for every line with the source's text (and its anchor on that line or the two before). */
function locate(source: Source): string {
  const lines = readFileSync(join(REPO_ROOT, source.file), 'utf8').split('\n');
  const found = lines.flatMap((line, i) => {
    if (!line.includes(source.match)) return [];
    if (source.anchor && !lines.slice(Math.max(0, i - 2), i + 1).some((l) => l.includes(source.anchor as string))) return [];
    return [i + 1];
  });
  return `${basename(source.file)}:${found.length > 0 ? found.join(',') : '?'}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)];
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
