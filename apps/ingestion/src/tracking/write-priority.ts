import { Injectable } from '@nestjs/common';

/** The projector writes only after the raw inserts have been quiet this long (or it waited its longest). */
const QUIET_MS = 40;

/**
 * Raw inserts (which clients wait for) go before profile and counter updates (which nobody waits for): the
 * database's CPU is what both share (FerretDB on SQLite has one writer), so a run of updates would delay every
 * insert. The projector writes in small chunks and asks for a turn before each: it gets one when no insert is
 * in flight and none ended in the last QUIET_MS, or once it has waited its longest (TrackingProjector's
 * MAX_TURN_WAIT_MS). Under sustained inserts it therefore writes a chunk a few times a second and falls
 * behind, until its backlog limit makes the inserts wait (see TrackingProjector.roomFor), which bounds memory
 * and lag. (Measured with `npm run bench:ingest`: quiet 40 ms with a 250 ms longest wait keeps /bulk at 0.46-0.50
 * of the raw insert alone, against 0.40-0.43 with 10 ms and no longest wait, and its p99 under 0.75 s.)
 */
@Injectable()
export class WritePriority {
  private inserts = 0;
  private lastInsertEnded = 0;

  async insert<T>(write: () => Promise<T>): Promise<T> {
    this.inserts += 1;
    try {
      return await write();
    } finally {
      this.inserts -= 1;
      this.lastInsertEnded = performance.now();
    }
  }

  /**
   * Resolves when the inserts have been quiet for a moment, or after `maxWaitMs`: a writer that must not
   * starve under sustained inserts (an erasure holding its app's queue, the retention sweep) bounds its wait.
   */
  async turn(maxWaitMs = Infinity): Promise<void> {
    const giveUpAt = performance.now() + maxWaitMs;
    for (;;) {
      const now = performance.now();
      const quietFor = now - this.lastInsertEnded;
      if ((this.inserts === 0 && quietFor >= QUIET_MS) || now >= giveUpAt) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(QUIET_MS - quietFor, giveUpAt - now))));
    }
  }
}
