export * from './tracking-records';
export * from './company-features';
export * from './plans';
