export interface RestartPolicyOptions {
  /** Wait before the first restart; it doubles with each restart still inside the window. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Restarts allowed within `windowMs`; the next exit after them means giving up. */
  maxRestarts?: number;
  windowMs?: number;
}

export interface RestartPlan {
  delayMs: number;
  /** This restart's number within the window (1 for the first). */
  restart: number;
}

/** When to restart a process that exited: 0.5 s doubling up to 10 s, and no more than 5 restarts a minute. */
export class RestartPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRestarts: number;
  readonly windowMs: number;
  private readonly restarts: number[] = [];

  constructor(options: RestartPolicyOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.maxRestarts = options.maxRestarts ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** The plan for the restart after an exit at `now`, or undefined when the process should be given up on. */
  next(now = Date.now()): RestartPlan | undefined {
    while (this.restarts.length > 0 && now - this.restarts[0] >= this.windowMs) this.restarts.shift();
    if (this.restarts.length >= this.maxRestarts) return undefined;
    const delayMs = Math.min(this.initialDelayMs * 2 ** this.restarts.length, this.maxDelayMs);
    this.restarts.push(now);
    return { delayMs, restart: this.restarts.length };
  }
}
