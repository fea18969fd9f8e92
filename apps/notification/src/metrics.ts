import { metrics } from '@exportd/observability';
import { Counter, Gauge } from 'prom-client';

/** `retry`: the attempt failed and another is scheduled; `failed`: no attempt is left (or none makes sense). */
export const deliveryAttempts = new Counter({
  name: 'exportd_delivery_attempts_total',
  help: 'Delivery attempts, by channel (email, webhook) and outcome (delivered, retry, failed, abandoned)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [metrics],
});

let countPending: () => Promise<number> = () => Promise.resolve(0);

/** Read at each scrape (one indexed count), not kept up to date by every worker. */
export const outboxBacklog = new Gauge({
  name: 'exportd_outbox_backlog_deliveries',
  help: 'Deliveries in the outbox still to be sent (first attempts and retries)',
  registers: [metrics],
  async collect() {
    this.set(await countPending());
  },
});

/** Where the backlog gauge reads its count (the outbox worker's repository). */
export function countOutboxBacklogWith(count: () => Promise<number>): void {
  countPending = count;
}
