import { Readable } from 'node:stream';
import { RowFormatter } from '../formats/row-formatter';
import { RowSource } from '../worker/row-source';

/**
 * The company data export's CSV (18 columns, the manual download's bytes) of one day's rows, each as of that
 * day, as a stream read only as fast as it is written out.
 */
export function companyCsv(rows: RowSource, appId: string, day: string, signal: AbortSignal): Readable {
  const batches = rows.stream(
    {
      appId,
      dataType: 'company_features',
      fromDay: day,
      toDay: day,
      history: '',
      eventTypes: [],
      userIds: [],
      companyIds: [],
      segmentId: '',
      exclusions: false,
      filter: '',
    },
    signal,
  );
  async function* text(): AsyncGenerator<string> {
    const csv = new RowFormatter('csv');
    for await (const batch of batches) yield csv.batch(batch.rowsJson, batch.columns);
    yield csv.end();
  }
  return Readable.from(text(), { objectMode: false });
}
