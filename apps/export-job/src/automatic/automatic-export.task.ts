import { Injectable } from '@nestjs/common';
import { DestinationWriter } from '../destinations';
import { RunRecord } from '../scheduler/run.repository';
import { ScheduledTask, ScheduleEntry } from '../scheduler/scheduler';
import { RowSource } from '../worker/row-source';
import { AutomaticExportRepository } from './automatic-export.repository';
import { companyCsv } from './company-csv';

export const automaticScheduleId = (appId: string) => `automatic:${appId}`;

/** The object a period writes: the same key whenever the period runs, so a redo replaces it. */
export const automaticObjectKey = (day: string) => `companies-${day}.csv`;

/**
 * The automatic company export (seed 000): for each period, the company CSV whose Date is the period's last
 * day (the last complete day at the run's instant, 00:00 UTC), written to `<key>/companies-<Date>.csv` in
 * the customer's storage.
 */
@Injectable()
export class AutomaticExportTask extends ScheduledTask {
  readonly kind = 'automatic_export';

  constructor(
    private readonly settings: AutomaticExportRepository,
    private readonly rows: RowSource,
    private readonly writer: DestinationWriter,
  ) {
    super();
  }

  async active(): Promise<ScheduleEntry[]> {
    return (await this.settings.listEnabled())
      .filter((record) => record.destination)
      .map((record) => ({
        id: automaticScheduleId(record.appId),
        appId: record.appId,
        cadence: record.cadence,
        activeSince: record.activeSince,
      }));
  }

  async run(entry: ScheduleEntry, run: Pick<RunRecord, 'toDay'>, signal: AbortSignal): Promise<{ exportId?: string }> {
    const settings = await this.settings.find(entry.appId);
    if (!settings?.destination) throw new Error('the automatic export has no destination');
    const body = companyCsv(this.rows, entry.appId, run.toDay, signal);
    await this.writer.put(settings.destination, automaticObjectKey(run.toDay), body, 'text/csv; charset=utf-8', signal);
    return {};
  }
}
