export * from './test-servers';
export * from './test-platform';
export * from './http';
export * from './builders/usage-records';
// Process helpers end-to-end tests use directly.
export { freePort, REPO_ROOT, serviceArgs, SERVICE_NAMES, startS3Server, startSmtpCapture } from '@exportd/local-stack';
export type { ServiceName } from '@exportd/local-stack';
export * from './builders/tracking-calls';
export * from './webhook-receiver';
export * from './notification-capture';
export * from './service-process';
export * from './customer-s3';
export * from './log-secrets';
export * from './in-parallel';
