import { metrics } from '@exportd/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

export const exportRows = new Counter({
  name: 'exportd_export_rows_total',
  help: 'Rows written to export files, by format',
  labelNames: ['format'] as const,
  registers: [metrics],
});

export const exportBytes = new Counter({
  name: 'exportd_export_bytes_total',
  help: 'Bytes of export files written (compressed), by format',
  labelNames: ['format'] as const,
  registers: [metrics],
});

export const partitionDuration = new Histogram({
  name: 'exportd_export_partition_duration_seconds',
  help: 'Time to export one partition (rows read, formatted, compressed and uploaded), by format',
  labelNames: ['format'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [metrics],
});

/** `retry`: an attempt failed and the partition goes back to the queue; `failed`: it gave up, failing the job. */
export const partitionAttempts = new Counter({
  name: 'exportd_export_partition_attempts_total',
  help: 'Partition attempts ended, by format and outcome (done, retry, failed)',
  labelNames: ['format', 'outcome'] as const,
  registers: [metrics],
});

export const schedulerLag = new Gauge({
  name: 'exportd_scheduler_lag_seconds',
  help: 'How late the last scheduled run started, after the time it was due',
  registers: [metrics],
});

export const scheduledRunAttempts = new Counter({
  name: 'exportd_scheduled_run_attempts_total',
  help: 'Attempts of scheduled runs started by this process (a retried run counts each attempt)',
  registers: [metrics],
});
