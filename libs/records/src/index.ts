export * from './tracking-records';
