export * from './filter';
export * from './compile';
