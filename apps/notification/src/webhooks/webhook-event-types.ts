/** The events notification delivers, each to the endpoints subscribed to it. */
export const WEBHOOK_EVENT_TYPES = ['export.completed', 'export.failed', 'export.automatic.failed'] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a schedule's endpoint receives when export-job names no event types: its runs' outcomes. */
export const SCHEDULE_ENDPOINT_EVENT_TYPES: WebhookEventType[] = ['export.completed', 'export.failed'];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
