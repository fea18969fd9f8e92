import { Model } from 'mongoose';

/** Whether a write failed because a document with the same unique key exists (the loser of a unique-insert claim). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number } | undefined)?.code === 11000;
}

/**
 * Inserts the documents that do not exist yet: the unique-insert pattern for many documents at once. Those
 * that exist already (written earlier, or by a concurrent caller) answer a duplicate key and stay as they are.
 */
export async function insertMissing<T>(model: Model<T>, docs: T[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await model.insertMany(docs, { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { code?: number; err?: unknown }[] }).writeErrors;
    if (!writeErrors?.length || !writeErrors.every((e) => isDuplicateKey(e) || isDuplicateKey(e.err))) throw error;
  }
}
