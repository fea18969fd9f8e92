import { Injectable } from '@nestjs/common';

/**
 * Raw inserts (which clients wait for) go before profile and counter updates (which nobody waits for):
 * FerretDB on SQLite has one writer, and a long run of updates would otherwise delay every insert. The
 * projector writes in small chunks and asks for a turn before each.
 */
@Injectable()
export class WritePriority {
  private inserts = 0;
  private waiters: (() => void)[] = [];

  async insert<T>(write: () => Promise<T>): Promise<T> {
    this.inserts += 1;
    try {
      return await write();
    } finally {
      this.inserts -= 1;
      if (this.inserts === 0) this.waiters.splice(0).forEach((wake) => wake());
    }
  }

  /** Resolves when no insert is in flight. */
  async turn(): Promise<void> {
    if (this.inserts === 0) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
