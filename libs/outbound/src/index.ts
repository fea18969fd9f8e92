export * from './address-policy';
export * from './host-check';
