export * from './clock';
export * from './mongo.module';
export * from './ids';
export * from './secret-box';
export * from './project-root';
