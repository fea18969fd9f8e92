import { readFileSync } from 'node:fs';

/** Time is injected: schedules, expiries and retention read this, so tests can set it. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock tests move by hand. */
export class ManualClock extends Clock {
  constructor(private current: Date = new Date()) {
    super();
  }
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(date: Date): void {
    this.current = new Date(date.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/**
 * For end-to-end tests only: the system time moved by an offset (milliseconds) that a test writes to a file,
 * so every process of a test platform moves through days and weeks together. Re-read at most every 50 ms.
 */
export class OffsetFileClock extends Clock {
  private offsetMs = 0;
  private readAt = -Infinity;

  constructor(private readonly file: string) {
    super();
  }

  now(): Date {
    const at = performance.now();
    if (at - this.readAt > 50) {
      this.readAt = at;
      try {
        this.offsetMs = Number(readFileSync(this.file, 'utf8').trim()) || 0;
      } catch {
        this.offsetMs = 0; // no file yet: no offset
      }
    }
    return new Date(Date.now() + this.offsetMs);
  }
}

/** TEST_CLOCK_FILE names an offset file (end-to-end tests); otherwise the system clock. */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  return env.TEST_CLOCK_FILE ? new OffsetFileClock(env.TEST_CLOCK_FILE) : new SystemClock();
}
