export * from './test-servers';
export * from './test-platform';
export * from './http';
// Process helpers end-to-end tests use directly.
export { entryOf, freePort, nodeArgsFor, REPO_ROOT, startSmtpCapture } from '@exportd/local-stack';
