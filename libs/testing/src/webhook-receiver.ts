export { startWebhookReceiver } from '@exportd/local-stack';
export type { ReceivedRequest, ReceiverAnswer, WebhookReceiver } from '@exportd/local-stack';
