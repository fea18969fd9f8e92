import { Model } from 'mongoose';

/*
 * How export-job stays correct on FerretDB 1.24, which loses concurrent updates of one document (an update
 * rewrites the whole document from its own read) and lets several conditional updates "win": no document is
 * read-modified-written by two processes or async tasks where it matters. Each collection says which pattern
 * protects it (docs/concurrency.md lists them all):
 *
 * - single writer: a document only one process or task writes (after a unique-insert claim made it theirs);
 * - unique-insert claim: the first insert of an _id wins, every other insert gets duplicate key 11000;
 * - append-only records folded by one reader: facts are inserted once and never updated; state is derived.
 */

/** Inserts `doc` unless its _id exists: answers whether this call inserted it (the claim's winner). */
export async function insertOnce<T>(model: Model<T>, doc: T): Promise<boolean> {
  try {
    await model.collection.insertOne(doc as never);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return false;
    throw error;
  }
}

/** Inserts every document whose _id is new; those inserted already are left as they are. */
export async function insertManyOnce<T>(model: Model<T>, docs: T[]): Promise<void> {
  try {
    await model.collection.insertMany(docs as never[], { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { code?: number }[] }).writeErrors;
    const duplicatesOnly = (error as { code?: number }).code === 11000 && (writeErrors ?? []).every((e) => e.code === 11000);
    if (!duplicatesOnly) throw error;
  }
}

/** Records read at the same time, one indexed equality per query. */
const LOOKUP_CONCURRENCY = 8;

/** `lookup` of every item, `LOOKUP_CONCURRENCY` at a time; the answers in the items' order. */
export async function lookUpEach<T, R>(items: T[], lookup: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = [];
  for (let start = 0; start < items.length; start += LOOKUP_CONCURRENCY)
    answers.push(...(await Promise.all(items.slice(start, start + LOOKUP_CONCURRENCY).map(lookup))));
  return answers;
}
