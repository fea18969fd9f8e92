export * from './clock';
export * from './mongo.module';
export * from './ids';
