import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DestinationWriter } from '../destinations';
import { FinishedNotifier } from '../notify/export-notifier';
import { RunEndRecord, RunRecord } from '../scheduler/run.repository';
import { ScheduledTask, ScheduleEntry } from '../scheduler/scheduler';
import { RowSource } from '../worker/row-source';
import { AutomaticExportRepository } from './automatic-export.repository';
import { companyCsv } from './company-csv';

/** Failed periods in a row after which the app's subscribed endpoints are told (`export.automatic.failed`). */
export const FAILED_PERIODS_ALERT = 3;
const ALERT_ATTEMPTS = 5;

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
  readonly kind = 'automatic';
  private readonly logger = new Logger(AutomaticExportTask.name);

  constructor(
    private readonly settings: AutomaticExportRepository,
    private readonly rows: RowSource,
    private readonly writer: DestinationWriter,
    private readonly notifier: FinishedNotifier,
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

  /** After FAILED_PERIODS_ALERT failed periods in a row, one signed webhook to the app's subscribed endpoints. */
  async ended(entry: ScheduleEntry, recentEnds: RunEndRecord[]): Promise<void> {
    const latest = recentEnds.slice(0, FAILED_PERIODS_ALERT);
    if (latest.length < FAILED_PERIODS_ALERT || latest.some((end) => end.outcome !== 'failed')) return;
    const [last] = latest as [RunEndRecord];
    const alert = {
      appId: entry.appId,
      jobId: last._id,
      eventType: 'export.automatic.failed',
      emails: [],
      files: [],
      error: last.error ?? '',
      jobJson: JSON.stringify({
        type: 'automatic_export',
        cadence: entry.cadence,
        failed_periods: latest.map((end) => ({ run_id: end._id, ended_at: end.at.toISOString(), error: end.error })),
      }),
      scheduleId: '',
    };
    this.logger.warn(`automatic export of app ${entry.appId}: ${FAILED_PERIODS_ALERT} failed periods in a row`);
    // Only the end's claimer gets here: retried a few times (notification makes repeats idempotent by run id).
    for (let attempt = 1; ; attempt++) {
      try {
        await this.notifier.notify(alert);
        return;
      } catch (error) {
        if (attempt >= ALERT_ATTEMPTS) throw error;
        await sleep(1_000 * 2 ** (attempt - 1));
      }
    }
  }
}
