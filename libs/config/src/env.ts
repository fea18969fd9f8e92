/**
 * Env validation: each app declares its variables once; at boot every bad variable is reported in one
 * message, then the process exits 1.
 */
export interface EnvVar<T> {
  /** Parses the raw value; throws an Error whose message says what is wrong. */
  parse(raw: string): T;
  default?: T;
  description: string;
}

export type EnvSchema = Record<string, EnvVar<unknown>>;
export type EnvOf<S extends EnvSchema> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

export class EnvValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function readEnv<S extends EnvSchema>(schema: S, source: NodeJS.ProcessEnv = process.env): EnvOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const raw = source[name];
    if (raw === undefined || raw === '') {
      if (spec.default === undefined) problems.push(`${name} is required (${spec.description})`);
      else result[name] = spec.default;
      continue;
    }
    try {
      result[name] = spec.parse(raw);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new EnvValidationError(problems);
  return result as EnvOf<S>;
}

/** readEnv for a process entry point: prints the report and exits 1 on bad configuration. */
export function loadEnvOrExit<S extends EnvSchema>(schema: S, appName: string): EnvOf<S> {
  try {
    return readEnv(schema);
  } catch (error) {
    if (error instanceof EnvValidationError) {
      process.stderr.write(`${appName}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

export const env = {
  string(description: string, defaultValue?: string): EnvVar<string> {
    return { description, default: defaultValue, parse: (raw) => raw };
  },
  int(description: string, defaultValue?: number, min = 0, max = Number.MAX_SAFE_INTEGER): EnvVar<number> {
    return {
      description,
      default: defaultValue,
      parse(raw) {
        const value = Number(raw);
        if (!Number.isInteger(value) || value < min || value > max) {
          throw new Error(`must be an integer from ${min} to ${max}, got "${raw}"`);
        }
        return value;
      },
    };
  },
  bool(description: string, defaultValue?: boolean): EnvVar<boolean> {
    return {
      description,
      default: defaultValue,
      parse(raw) {
        if (/^(true|1|yes)$/i.test(raw)) return true;
        if (/^(false|0|no)$/i.test(raw)) return false;
        throw new Error(`must be true or false, got "${raw}"`);
      },
    };
  },
  url(description: string, protocols: string[], defaultValue?: string): EnvVar<string> {
    return {
      description,
      default: defaultValue,
      parse(raw) {
        let parsed: URL;
        try {
          parsed = new URL(raw);
        } catch {
          throw new Error(`must be a URL, got "${raw}"`);
        }
        if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
          throw new Error(`must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
        }
        return raw;
      },
    };
  },
  /** host:port, as gRPC addresses are written. */
  address(description: string, defaultValue?: string): EnvVar<string> {
    return {
      description,
      default: defaultValue,
      parse(raw) {
        if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(raw)) throw new Error(`must be host:port, got "${raw}"`);
        return raw;
      },
    };
  },
  oneOf<T extends string>(description: string, values: readonly T[], defaultValue?: T): EnvVar<T> {
    return {
      description,
      default: defaultValue,
      parse(raw) {
        if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}, got "${raw}"`);
        return raw as T;
      },
    };
  },
  /** A secret of at least `minLength` characters; never echoed in errors. */
  secret(description: string, minLength: number, defaultValue?: string): EnvVar<string> {
    return {
      description,
      default: defaultValue,
      parse(raw) {
        if (raw.length < minLength) throw new Error(`must be at least ${minLength} characters long`);
        return raw;
      },
    };
  },
};

/** Logs, for the gateway and every service. */
export const loggingEnv = {
  LOG_LEVEL: env.oneOf(
    'lowest level of log line written',
    ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const,
    'info',
  ),
  LOG_FORMAT: env.oneOf('json (one object per line) or pretty (for a terminal)', ['json', 'pretty'] as const, 'json'),
};

/** Variables every internal service shares. */
export const internalServiceEnv = {
  NODE_ENV: env.oneOf('runtime mode', ['development', 'test', 'production'] as const, 'development'),
  INTERNAL_TOKEN: env.secret('shared token internal gRPC calls must carry (metadata x-internal-token)', 16),
  GRPC_BIND_HOST: env.string('address the gRPC server binds to', '127.0.0.1'),
  ...loggingEnv,
  METRICS_PORT: env.int("port of the service's Prometheus GET /metrics (0 = not served)", 0, 0, 65535),
  METRICS_BIND_HOST: env.string('address the /metrics endpoint binds to', '127.0.0.1'),
};

export const serviceAddressEnv = {
  INGESTION_GRPC_ADDR: env.address('ingestion gRPC address', '127.0.0.1:50051'),
  AGGREGATION_GRPC_ADDR: env.address('aggregation gRPC address', '127.0.0.1:50052'),
  EXPORT_JOB_GRPC_ADDR: env.address('export-job gRPC address', '127.0.0.1:50053'),
  NOTIFICATION_GRPC_ADDR: env.address('notification gRPC address', '127.0.0.1:50054'),
};

export const mongoEnv = {
  MONGO_URL: env.url('MongoDB connection string (database name in the path)', ['mongodb', 'mongodb+srv']),
};

export const s3Env = {
  S3_ENDPOINT: env.string('S3 endpoint URL; empty means AWS', ''),
  S3_PUBLIC_ENDPOINT: env.string(
    'endpoint presigned download links are signed for, when clients reach S3 by another address',
    '',
  ),
  S3_REGION: env.string('S3 region', 'us-east-1'),
  S3_ACCESS_KEY_ID: env.string('S3 access key id'),
  S3_SECRET_ACCESS_KEY: env.secret('S3 secret access key', 1),
  S3_BUCKET: env.string('bucket export files are written to'),
  S3_FORCE_PATH_STYLE: env.bool('path-style bucket addressing (MinIO, local servers)', true),
};
