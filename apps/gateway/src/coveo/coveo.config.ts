import { env, EnvOf, loadEnvOrExit } from '@exportd/config';

/** The Coveo-compatible API's settings, read once when CoveoModule starts (invalid values: listed, exit 1). */
export const coveoEnvSchema = {
  PUBLIC_BASE_URL: env.url(
    "the gateway's public origin in Coveo exports' downloadLink (e.g. https://api.example.com); empty: the request's own",
    ['http', 'https'],
    '',
  ),
};

export type CoveoConfig = EnvOf<typeof coveoEnvSchema>;

export const COVEO_CONFIG = Symbol('COVEO_CONFIG');

export const loadCoveoConfig = (): CoveoConfig => loadEnvOrExit(coveoEnvSchema, 'gateway');
