/**
 * A failure the CLI reports as `exportd: <message>` with a non-zero exit code. Anything else that reaches
 * the top level is a bug and is printed with its stack.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * An HTTP error answer of the platform, whose body is `{"error": {"status", "code", "message", "details"}}`;
 * `message` is the body's message (or a description of the answer when it has none).
 */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The platform could not be reached; `transient` when trying again may work (refused, reset, timed out). */
export class NetworkError extends CliError {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}
