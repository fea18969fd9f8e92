import type { RunEndRecord } from './run.repository';

/** What a schedule's status shows (seed 000): when it last ran, how that ended, when it runs next, the error. */
export interface ScheduleStatus {
  lastRunAt: Date | null;
  lastStatus: 'never_ran' | 'successful' | 'failed';
  nextRunAt: Date | null;
  error: string | null;
}

export function scheduleStatus(latest: RunEndRecord | null, nextRunAt: Date | null): ScheduleStatus {
  return {
    lastRunAt: latest?.at ?? null,
    lastStatus: !latest ? 'never_ran' : latest.outcome === 'succeeded' ? 'successful' : 'failed',
    nextRunAt,
    error: latest?.outcome === 'failed' ? latest.error : null,
  };
}
