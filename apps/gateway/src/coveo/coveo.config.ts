import { env, EnvOf, loadEnvOrExit } from '@exportd/config';
import type { FastifyRequest } from 'fastify';

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

/** PUBLIC_BASE_URL, or the origin the request was addressed to. */
export function publicBaseUrl(config: CoveoConfig, request: FastifyRequest): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL.replace(/\/+$/, '');
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

export const loadCoveoConfig = (): CoveoConfig => loadEnvOrExit(coveoEnvSchema, 'gateway');
