import { CliError } from './cli-error';

/** Where the platform is and who calls it: flags win over the environment. */
export interface CliConfig {
  url: string;
  apiKey: string | undefined;
}

export interface GlobalOptions {
  url?: string;
  apiKey?: string;
}

export const DEFAULT_URL = 'http://localhost:3000';

export function cliConfig(options: GlobalOptions, env: NodeJS.ProcessEnv): CliConfig {
  const url = nonEmpty(options.url) ?? nonEmpty(env.EXPORTD_URL) ?? DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new CliError(`the platform URL must be an http(s) URL such as ${DEFAULT_URL}, got "${url}" (--url or EXPORTD_URL)`);
  }
  return { url: url.replace(/\/+$/, ''), apiKey: nonEmpty(options.apiKey) ?? nonEmpty(env.EXPORTD_API_KEY) };
}

/** The API key of the key-authenticated APIs (exports, company data export). */
export function requiredApiKey(config: CliConfig): string {
  if (!config.apiKey) throw new CliError('an API key is required: pass --api-key or set EXPORTD_API_KEY');
  return config.apiKey;
}

/**
 * The app's public tracking key (the `trackingKey` the admin API answers for the app), which the Tracking
 * API takes in its path; it is not the API key.
 */
export function requiredTrackingKey(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const key = nonEmpty(flag) ?? nonEmpty(env.EXPORTD_TRACKING_KEY);
  if (!key) {
    throw new CliError(
      "a tracking key is required: pass --key or set EXPORTD_TRACKING_KEY (the app's trackingKey from the admin API, GET /admin/v1/apps/{id}; the API key is not a tracking key)",
    );
  }
  return key;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value.trim() : undefined;
}
