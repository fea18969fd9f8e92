import { internalServiceEnv, loadEnvOrExit, mongoEnv, serviceAddressEnv } from '@exportd/config';

export const aggregationEnvSchema = {
  ...internalServiceEnv,
  ...mongoEnv,
  AGGREGATION_GRPC_ADDR: serviceAddressEnv.AGGREGATION_GRPC_ADDR,
};
export const loadAggregationEnv = () => loadEnvOrExit(aggregationEnvSchema, 'aggregation');
export type AggregationEnv = ReturnType<typeof loadAggregationEnv>;
