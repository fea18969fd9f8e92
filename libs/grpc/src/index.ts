export * from './errors';
export * from './proto-files';
export * from './internal-token.guard';
export * from './domain-error.filter';
export * from './health.controller';
export * from './server';
export * from './client';
