import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TrackingCallRecord, unescapeAttributeKey as unescape } from '@exportd/records';
import { Clock, newId } from '@exportd/runtime';
import { projectorBacklog } from '../metrics';
import { companyAttributeDays, profileChanges, usageDaysChanges, usageIncrements } from './tracking.mapping';
import { ProfileChange, TrackingRepository, UsageDaysChange, UsageIncrement } from './tracking.repository';
import { IngestionBusy } from './tracking.errors';
import { WritePriority } from './write-priority';

/** Most records applied in one round (one bulkWrite per collection, merged per profile and counter). */
const MAX_ROUND_RECORDS = 20_000;
/** Backlog of one app above which new batches wait (bounded memory under sustained overload). */
export const MAX_BACKLOG_RECORDS = 100_000;
const RETRY_DELAY_MS = 1_000;
/** Longest wait for room in a full backlog (well inside the gateway's 30 s gRPC deadline). */
const ROOM_WAIT_MS = 5_000;
/** Updates per bulkWrite; the raw inserts get a turn between chunks. */
const CHUNK = 25;
/** Longest a chunk waits for the raw inserts to pause: under sustained inserts it still writes a few times a second. */
const MAX_TURN_WAIT_MS = 250;

/** What is left of one round; a failed round resumes where it stopped, so no counter is incremented twice. */
interface Round {
  /** Recorded on every counter it increments (see ProjectionRoundRecord). */
  id: string;
  /** The whole journal entries it applies. */
  journalIds: string[];
  /** Its record is written (before its first update). */
  recorded: boolean;
  records: TrackingCallRecord[];
  users: ProfileChange[];
  companies: ProfileChange[];
  usage: UsageIncrement[];
  usageDays: UsageDaysChange[];
  days: Map<string, Set<string>>;
}

interface AppBacklog {
  records: TrackingCallRecord[];
  running: boolean;
  round?: Round;
  /** user -> companies from company calls not yet applied (event attribution must already see them). */
  pendingLinks: Map<string, Set<string>>;
  waiters: (() => void)[];
}

/**
 * Applies stored raw calls to the derived collections: user and company profiles, daily usage counters and
 * company attributes per day. It runs behind the raw insert, per app one round at a time (FerretDB 1.24
 * loses concurrent updates of one document, and each update costs a few ms there, so the many calls of a
 * busy app are merged into one update per profile and counter per round). A failed round is retried.
 * Each company's usage days (the days of its counters, one document per company) are added by the same round.
 * Durable: each stored round has a journal entry (written before the raw insert, closed once all its calls
 * are applied); at start-up the open entries are applied again, so a crash loses no call. Exact: a projector
 * round applies whole journal entries under a recorded id, and each counter it increments keeps that id, so
 * the round interrupted by a crash is applied again under the same id without counting anything twice
 * (profiles and attribute days are set, not added, so applying them again changes nothing).
 */
@Injectable()
export class TrackingProjector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('tracking-projector');
  private readonly backlogs = new Map<string, AppBacklog>();
  /** Journal entry of each call in a backlog, and how many calls of each entry are still to apply. */
  private readonly journalOf = new Map<string, string>();
  private readonly journalRemaining = new Map<string, { appId: string; remaining: number }>();
  /** Journal closes in flight, with their app. */
  private readonly closing = new Map<Promise<void>, string>();
  /** Apps running an exclusive step (see `exclusive`): their backlog is not applied meanwhile. */
  private readonly paused = new Set<string>();
  private stopping = false;

  constructor(
    private readonly repository: TrackingRepository,
    private readonly clock: Clock,
    private readonly priority: WritePriority,
  ) {}

  /**
   * Applies again what a previous process stored but had not applied when it stopped: first the round it was
   * applying (under its id, so its counters already incremented are skipped), then the other open entries. A
   * round marked applied only had its journal entries left to close.
   */
  async onApplicationBootstrap(): Promise<void> {
    const open = await this.repository.openJournals();
    const entries = new Map(open.map((entry) => [entry._id, entry]));
    const rounds = await this.repository.openRounds();
    for (const round of rounds) {
      const ofRound = round.journalIds.flatMap((id) => entries.get(id) ?? []);
      for (const entry of ofRound) entries.delete(entry._id);
      if (round.applied) {
        void this.closeRound(
          round.appId,
          round._id,
          ofRound.map((entry) => this.close(entry.appId, entry._id)),
        );
        continue;
      }
      const records: TrackingCallRecord[] = [];
      const journalIds: string[] = [];
      for (const entry of ofRound) {
        const calls = await this.repository.callsOfRound(entry.appId, entry._id, entry.callIds);
        // An entry whose calls are all gone (removed with their late round) has nothing to apply.
        if (calls.length === 0) void this.close(entry.appId, entry._id);
        else {
          this.track(entry._id, round.appId, calls);
          records.push(...calls);
          journalIds.push(entry._id);
        }
      }
      if (records.length === 0) {
        void this.closeRound(round.appId, round._id, []);
        continue;
      }
      const backlog = this.backlogOf(round.appId);
      // Rounds run one at a time per app: this one is the app's first, and nothing is in its backlog yet.
      backlog.round = { ...this.plan(records), id: round._id, journalIds, recorded: true };
      this.enqueue(round.appId, records);
    }
    for (const entry of entries.values())
      this.add(entry.appId, await this.repository.callsOfRound(entry.appId, entry._id, entry.callIds), entry._id);
    if (open.length > 0) this.logger.log(`resuming ${open.length} stored rounds not yet applied`);
  }

  /** Companies of `userId` from company calls stored but not applied yet. */
  pendingCompanies(appId: string, userId: string): string[] {
    return [...(this.backlogs.get(appId)?.pendingLinks.get(userId) ?? [])];
  }

  /**
   * Resolves when the app's backlog has room (back-pressure on the raw insert). After `timeoutMs` it gives
   * up with IngestionBusy, before anything is stored, so a client that gets the error may simply retry
   * (rather than waiting past its deadline for a write that then happens anyway).
   */
  async roomFor(appId: string, timeoutMs = ROOM_WAIT_MS): Promise<void> {
    const backlog = this.backlogs.get(appId);
    if (!backlog || backlog.records.length < MAX_BACKLOG_RECORDS) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new IngestionBusy(appId)), timeoutMs);
      backlog.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  add(appId: string, records: TrackingCallRecord[], journalId: string): void {
    if (records.length === 0) {
      void this.close(appId, journalId);
      return;
    }
    this.track(journalId, appId, records);
    this.enqueue(appId, records);
  }

  /** Counts the records of a journal entry, to close it once they are all applied. */
  private track(journalId: string, appId: string, records: TrackingCallRecord[]): void {
    this.journalRemaining.set(journalId, { appId, remaining: records.length });
    for (const r of records) this.journalOf.set(r._id, journalId);
    projectorBacklog.set(this.journalOf.size);
  }

  private enqueue(appId: string, records: TrackingCallRecord[]): void {
    const backlog = this.backlogOf(appId);
    for (const r of records) {
      backlog.records.push(r);
      if (r.type === 'company' && r.userId && r.companyId) {
        const set = backlog.pendingLinks.get(r.userId) ?? new Set<string>();
        backlog.pendingLinks.set(r.userId, set.add(r.companyId));
      }
    }
    if (!backlog.running && !this.paused.has(appId)) void this.drain(appId, backlog);
  }

  /**
   * Runs `step` once every call added for the app so far is applied and its journal entries are closed; no
   * round of the app is applied while it runs (records added meanwhile wait). The caller (TrackingService)
   * holds the app's queue, so nothing is added for the app until the step ends. For steps that rewrite
   * derived documents (a user's erasure) without racing the projector's updates of them.
   */
  async exclusive<T>(appId: string, step: () => Promise<T>): Promise<T> {
    while (!this.settled(appId)) await new Promise((r) => setTimeout(r, 20));
    this.paused.add(appId);
    try {
      return await step();
    } finally {
      this.paused.delete(appId);
      const backlog = this.backlogs.get(appId);
      if (backlog && backlog.records.length > 0 && !backlog.running) void this.drain(appId, backlog);
    }
  }

  /** Nothing of the app is pending: no record to apply, no round running, no journal entry open or closing. */
  private settled(appId: string): boolean {
    const backlog = this.backlogs.get(appId);
    if (backlog && (backlog.records.length > 0 || backlog.running)) return false;
    for (const entry of this.journalRemaining.values()) if (entry.appId === appId) return false;
    for (const app of this.closing.values()) if (app === appId) return false;
    return true;
  }

  /** Resolves when every record added so far is applied (tests, shutdown). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.backlogs.values()].some((b) => b.records.length > 0 || b.running) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(this.closing.keys());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.idle();
    this.stopping = true;
  }

  private backlogOf(appId: string): AppBacklog {
    let backlog = this.backlogs.get(appId);
    if (!backlog) {
      backlog = { records: [], running: false, pendingLinks: new Map(), waiters: [] };
      this.backlogs.set(appId, backlog);
    }
    return backlog;
  }

  private async drain(appId: string, backlog: AppBacklog): Promise<void> {
    backlog.running = true;
    while (backlog.records.length > 0 && !this.stopping) {
      try {
        backlog.round ??= this.nextRound(backlog.records);
        const { records: round, id, journalIds } = backlog.round;
        await this.apply(appId, backlog.round);
        backlog.round = undefined;
        backlog.records.splice(0, round.length);
        const closes: Promise<boolean>[] = [];
        for (const r of round) {
          if (r.type === 'company' && r.userId && r.companyId) backlog.pendingLinks.get(r.userId)?.delete(r.companyId);
          const closing = this.settle(appId, r._id);
          if (closing) closes.push(closing);
        }
        void this.closeRound(appId, id, closes, journalIds.length);
        projectorBacklog.set(this.journalOf.size);
        if (backlog.records.length < MAX_BACKLOG_RECORDS) backlog.waiters.splice(0).forEach((wake) => wake());
      } catch (error) {
        this.logger.error(`applying calls of ${appId} failed; retrying: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      }
    }
    backlog.running = false;
    if (backlog.records.length === 0) {
      for (const [userId, set] of backlog.pendingLinks) if (set.size === 0) backlog.pendingLinks.delete(userId);
      if (backlog.pendingLinks.size === 0 && this.backlogs.get(appId) === backlog) this.backlogs.delete(appId);
    }
  }

  /** One more call of its journal entry applied; the entry is closed when none is left (its close returned). */
  private settle(appId: string, callId: string): Promise<boolean> | undefined {
    const journalId = this.journalOf.get(callId);
    if (!journalId) return undefined;
    this.journalOf.delete(callId);
    const entry = this.journalRemaining.get(journalId);
    if (!entry || --entry.remaining > 0) return undefined;
    this.journalRemaining.delete(journalId);
    return this.close(appId, journalId);
  }

  /** Resolves true once the entry is closed, false when that failed. */
  private close(appId: string, journalId: string): Promise<boolean> {
    const closing = this.repository.closeJournal(appId, journalId).then(
      () => true,
      (error: unknown) => {
        // Left open, the entry is applied again at the next start (its round's record says it was applied).
        this.logger.error(`closing journal ${journalId} failed: ${(error as Error).message}`);
        return false;
      },
    );
    const tracked = closing.then(() => undefined);
    this.closing.set(tracked, appId);
    void tracked.finally(() => this.closing.delete(tracked));
    return closing;
  }

  /** The round's record goes once all of its journal entries are closed; kept otherwise, for the next start. */
  private async closeRound(appId: string, roundId: string, closes: Promise<boolean>[], entries = closes.length): Promise<void> {
    const closed = await Promise.all(closes);
    if (closed.length !== entries || closed.includes(false)) return;
    await this.repository
      .deleteRound(appId, roundId)
      .catch((error: unknown) => this.logger.error(`deleting round ${roundId} failed: ${(error as Error).message}`));
  }

  /** The first whole journal entries of the backlog, up to MAX_ROUND_RECORDS (or one larger entry). */
  private nextRound(backlog: TrackingCallRecord[]): Round {
    let end = Math.min(backlog.length, MAX_ROUND_RECORDS);
    const last = this.journalOf.get(backlog[end - 1]?._id ?? '');
    while (end < backlog.length && last !== undefined && this.journalOf.get(backlog[end]?._id ?? '') === last) end++;
    const records = backlog.slice(0, end);
    const journalIds = [...new Set(records.flatMap((r) => this.journalOf.get(r._id) ?? []))];
    return { ...this.plan(records), id: newId('round'), journalIds, recorded: false };
  }

  private plan(records: TrackingCallRecord[]) {
    const { users, companies } = profileChanges(records);
    const usage = usageIncrements(records);
    return { records, users, companies, usage, usageDays: usageDaysChanges(usage), days: companyAttributeDays(records) };
  }

  private async apply(appId: string, round: Round): Promise<void> {
    const now = this.clock.now();
    if (!round.recorded) {
      await this.repository.openRound(appId, round.id, round.journalIds, now);
      round.recorded = true;
    }
    await this.inChunks(round.users, (chunk) => this.repository.applyUsers(appId, chunk, now));
    await this.inChunks(round.companies, (chunk) => this.repository.applyCompanies(appId, chunk, now));
    await this.inChunks(round.usage, (chunk) => this.repository.incrementUsage(appId, round.id, chunk));
    await this.inChunks(round.usageDays, (chunk) => this.repository.addUsageDays(appId, chunk));
    if (round.days.size > 0) {
      await this.priority.turn(MAX_TURN_WAIT_MS);
      const stored = await this.repository.companyAttributes(appId, [...round.days.keys()]);
      await this.repository.setCompanyAttributesDaily(appId, companyAttributeRows(round.days, stored));
      round.days.clear();
    }
    await this.repository.markRoundApplied(appId, round.id);
  }

  /** Writes `items` a chunk at a time, removing each chunk once written. */
  private async inChunks<T>(items: T[], write: (chunk: T[]) => Promise<void>): Promise<void> {
    while (items.length > 0) {
      await this.priority.turn(MAX_TURN_WAIT_MS);
      const chunk = items.slice(0, CHUNK);
      await write(chunk);
      items.splice(0, chunk.length);
    }
  }
}

function companyAttributeRows(days: Map<string, Set<string>>, stored: Map<string, Record<string, string>>) {
  return [...days].flatMap(([companyId, set]) =>
    [...set].map((day) => ({ companyId, day, attributes: mergedJson(stored.get(companyId) ?? {}) })),
  );
}

/** A company's stored attributes (escaped keys, JSON texts) as the JSON text of one plain object. */
function mergedJson(stored: Record<string, string>): string {
  return `{${Object.entries(stored)
    .map(([key, json]) => `${JSON.stringify(unescape(key))}:${json}`)
    .join(',')}}`;
}
