import { privacy } from '@exportd/contracts';
import { Readable } from 'node:stream';
import { CHUNK_CHARS } from '../formats/export-file-writer';
import { RecordCount } from './privacy-request.repository';

/**
 * A user's data export as one JSON document, streamed as aggregation's chunks arrive (a user with many
 * calls never sits in memory whole):
 * `{"user_id","app_id","generated_at","profile","companies":[...],"calls":[...],"summary":{...}}`.
 * `counts` is filled in as the document is written: profiles (0 or 1), companies, calls.
 */
export function userDataDocument(
  chunks: AsyncIterable<privacy.UserDataChunk>,
  subject: { appId: string; userId: string; generatedAt: Date },
  counts: RecordCount[],
): Readable {
  async function* texts(): AsyncIterable<Buffer> {
    let profiles = 0;
    let companies = 0;
    let calls = 0;
    let summary = '{}';
    let pending =
      `{"user_id":${JSON.stringify(subject.userId)},"app_id":${JSON.stringify(subject.appId)},` +
      `"generated_at":${JSON.stringify(subject.generatedAt.toISOString())},`;
    let first = true;
    for await (const chunk of chunks) {
      if (first) {
        first = false;
        profiles = chunk.profileJson ? 1 : 0;
        companies = chunk.companiesJson.length;
        pending += `"profile":${chunk.profileJson || 'null'},"companies":[${chunk.companiesJson.join(',')}],"calls":[`;
      }
      for (const call of chunk.callsJson) pending += `${calls++ === 0 ? '\n' : ',\n'}${call}`;
      if (chunk.summaryJson) summary = chunk.summaryJson;
      if (pending.length >= CHUNK_CHARS) {
        yield Buffer.from(pending);
        pending = '';
      }
    }
    if (first) throw new Error('aggregation sent no user data');
    yield Buffer.from(`${pending}\n],"summary":${summary}}\n`);
    counts.push({ name: 'profiles', count: profiles }, { name: 'companies', count: companies }, { name: 'calls', count: calls });
  }
  return Readable.from(texts());
}
