export * from './test-servers';
export * from './test-platform';
export * from './http';
