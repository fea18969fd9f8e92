export * from './paths';
export * from './process';
export * from './binaries';
export * from './mongo-server';
export * from './s3-server';
export * from './smtp-capture';
export * from './platform';
export * from './standalone-stack';
