import { metrics } from '@exportd/observability';
import { Counter, Gauge } from 'prom-client';

/** The gateway counts the requests it refuses under the same name (`outcome="refused"`). */
export const trackingCalls = new Counter({
  name: 'exportd_tracking_calls_total',
  help: 'Tracking calls answered as success: stored, deduplicated (messageId seen before) or suppressed (erased user)',
  labelNames: ['outcome'] as const,
  registers: [metrics],
});

export const projectorBacklog = new Gauge({
  name: 'exportd_projector_backlog_calls',
  help: 'Calls stored but not yet applied to profiles, usage counters and company attributes',
  registers: [metrics],
});
