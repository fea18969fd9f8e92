import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { withConditions } from '@exportd/filter';
import { CallType, RAW_COLLECTIONS, utcDay } from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import { Connection } from 'mongoose';

export type RowDataType = 'events' | 'feedback' | 'users' | 'companies';

/** What a row stream reads: validated, exclusions already resolved to ids. */
export interface RowQuery {
  appId: string;
  dataType: RowDataType;
  /** Event days, inclusive (empty with `received`). */
  fromDay: string;
  toDay: string;
  /** Events and feedback: the calls ingestion received in [from, to), whatever their day, instead of days. */
  received?: ReceptionWindow;
  /**
   * Event-time window [from, to): events and feedback whose timestamp is in it (fromDay..toDay are then its
   * UTC days); users and companies seen in it (first seen before `to`, last seen at or after `from`).
   */
  window?: TimeWindow;
  /** Call types to read (events and feedback data types). */
  callTypes: CallType[];
  userIds: string[];
  companyIds: string[];
  /** When true, only `companyIds` qualify, even when it is empty (a segment with no member matches nothing). */
  companiesRestricted?: boolean;
  excludedUserIds: string[];
  excludedCompanyIds: string[];
  /**
   * Conditions compiled from the row filter (compileFilter), ANDed into the query: one on a field the query
   * does not test otherwise stays a top-level equality, which FerretDB pushes down.
   */
  conditions?: Record<string, unknown>[];
}

export interface ReceptionWindow {
  from: Date;
  to: Date;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

/** Documents in a stable order, closed early with `close()`. */
export interface RowCursor extends AsyncIterable<Record<string, unknown>> {
  close(): Promise<void>;
}

/**
 * Reads the raw collections ingestion writes (read-only). Every cursor yields rows in a fixed order (calls
 * by day, then _id; profiles by _id), so the same query yields the same rows in the same order on every run:
 * a partition redone after a crash produces the same file. Calls are read one day at a time, with `day` as an
 * equality: FerretDB pushes only equalities down to its database, so a range would read every call of the app
 * (all months) for each partition, while `{appId, day}` reads that day's calls through the indexes. A reception
 * window is read the same way, one `{appId, receivedDay}` per day it touches (by received day, then _id).
 */
@Injectable()
export class RowsRepository implements OnModuleInit {
  private readonly logger = new Logger(RowsRepository.name);

  constructor(@InjectConnection() private readonly connection: Connection) {}

  async onModuleInit(): Promise<void> {
    // Read indexes on collections ingestion writes; creating an existing index is harmless.
    for (const [name, keys] of [
      [RAW_COLLECTIONS.calls, { appId: 1, day: 1, _id: 1 }],
      [RAW_COLLECTIONS.calls, { appId: 1, receivedDay: 1, _id: 1 }],
      [RAW_COLLECTIONS.users, { appId: 1, _id: 1 }],
      [RAW_COLLECTIONS.companies, { appId: 1, _id: 1 }],
    ] as const) {
      try {
        await this.connection.collection(name).createIndex(keys);
      } catch (error) {
        this.logger.warn(`index on ${name} not created: ${(error as Error).message}`);
      }
    }
  }

  /** An async iterable over the matching documents, in stable order. Close it to stop early. */
  cursor(query: RowQuery, batchSize = 1000, projection?: Record<string, 1>): RowCursor {
    const { collection, filter, sort } = this.planWithConditions(query);
    const find = (dayFilter: Record<string, unknown>) =>
      this.connection.collection(collection).find(dayFilter, { sort, batchSize, ...(projection ? { projection } : {}) });
    if (query.dataType !== 'events' && query.dataType !== 'feedback') return find(filter);
    const window = query.received;
    if (!window) return new DayByDayCursor(daysOf(query), (day) => find(callsOfDay(query, filter, day)));
    return new DayByDayCursor(receivedDaysOf(window), (day) =>
      find({ ...filter, receivedDay: day, ...receivedAtWithin(window, day) }),
    );
  }

  /**
   * How many documents `cursor` would yield, counted in the database (one count per day for calls, like the
   * cursor's queries). Only exact for a query whose every test is in the database: see typeFilteredInProcess.
   */
  async count(query: RowQuery): Promise<number> {
    const { collection, filter } = this.planWithConditions(query);
    const count = (dayFilter: Record<string, unknown>) => this.connection.collection(collection).countDocuments(dayFilter);
    if (query.dataType !== 'events' && query.dataType !== 'feedback') return count(filter);
    const window = query.received;
    let total = 0;
    if (!window) for (const day of daysOf(query)) total += await count(callsOfDay(query, filter, day));
    else
      for (const day of receivedDaysOf(window))
        total += await count({ ...filter, receivedDay: day, ...receivedAtWithin(window, day) });
    return total;
  }

  private planWithConditions(query: RowQuery): {
    collection: string;
    filter: Record<string, unknown>;
    sort: Record<string, 1>;
  } {
    const plan = this.plan(query);
    return query.conditions?.length ? { ...plan, filter: withConditions(plan.filter, query.conditions) } : plan;
  }

  /**
   * With several call types, a stream leaves the type test to the caller (`typeFilteredInProcess`): on
   * FerretDB an `$in` on a non-indexed field costs more than skipping the few other rows in Node.
   */
  private plan(query: RowQuery): { collection: string; filter: Record<string, unknown>; sort: Record<string, 1> } {
    const filter: Record<string, unknown> = { appId: query.appId };
    switch (query.dataType) {
      case 'events':
      case 'feedback': {
        // One query per day of reception or of the event. The key is set here so that a row filter's own
        // condition on `day` is ANDed beside it, not replaced.
        if (query.received) filter.receivedDay = '';
        else filter.day = query.fromDay; // one query per day: see DayByDayCursor
        if (query.callTypes.length === 1) filter.type = query.callTypes[0];
        else if (!typeFilteredInProcess(query)) filter.type = { $in: query.callTypes };
        const userId: Record<string, string[]> = {};
        if (query.userIds.length > 0) userId.$in = query.userIds;
        if (query.excludedUserIds.length > 0) userId.$nin = query.excludedUserIds;
        if (Object.keys(userId).length > 0) filter.userId = userId;
        const companyIds: Record<string, string[]> = {};
        if (query.companyIds.length > 0 || query.companiesRestricted) companyIds.$in = query.companyIds;
        if (query.excludedCompanyIds.length > 0) companyIds.$nin = query.excludedCompanyIds;
        if (Object.keys(companyIds).length > 0) filter.companyIds = companyIds;
        return { collection: RAW_COLLECTIONS.calls, filter, sort: { _id: 1 } };
      }
      case 'users': {
        if (query.window) Object.assign(filter, seenIn(query.window));
        else filter.firstSeen = { $lte: endOfDay(query.toDay) };
        const userId: Record<string, string[]> = {};
        if (query.userIds.length > 0) userId.$in = query.userIds;
        if (query.excludedUserIds.length > 0) userId.$nin = query.excludedUserIds;
        if (Object.keys(userId).length > 0) filter.userId = userId;
        const companyIds: Record<string, string[]> = {};
        if (query.companyIds.length > 0 || query.companiesRestricted) companyIds.$in = query.companyIds;
        if (query.excludedCompanyIds.length > 0) companyIds.$nin = query.excludedCompanyIds;
        if (Object.keys(companyIds).length > 0) filter.companyIds = companyIds;
        return { collection: RAW_COLLECTIONS.users, filter, sort: { _id: 1 } };
      }
      case 'companies': {
        if (query.window) Object.assign(filter, seenIn(query.window));
        else filter.firstSeen = { $lte: endOfDay(query.toDay) };
        const companyId: Record<string, string[]> = {};
        if (query.companyIds.length > 0 || query.companiesRestricted) companyId.$in = query.companyIds;
        if (query.excludedCompanyIds.length > 0) companyId.$nin = query.excludedCompanyIds;
        if (Object.keys(companyId).length > 0) filter.companyId = companyId;
        if (query.userIds.length > 0) filter.userIds = { $in: query.userIds };
        return { collection: RAW_COLLECTIONS.companies, filter, sort: { _id: 1 } };
      }
    }
  }
}

/** Whether a stream of this query must test each row's call type itself. */
export function typeFilteredInProcess(query: RowQuery): boolean {
  return (query.dataType === 'events' || query.dataType === 'feedback') && query.callTypes.length > 1;
}

/** The UTC days from fromDay to toDay (YYYY-MM-DD), inclusive. */
export function daysOf(query: { fromDay: string; toDay: string }): string[] {
  const days: string[] = [];
  const end = Date.parse(`${query.toDay}T00:00:00Z`);
  for (let at = Date.parse(`${query.fromDay}T00:00:00Z`); at <= end; at += 86_400_000)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

/** The UTC days a reception window [from, to) touches, in order. */
export function receivedDaysOf(window: ReceptionWindow): string[] {
  return daysOf({ fromDay: utcDay(window.from), toDay: utcDay(new Date(window.to.getTime() - 1)) });
}

/**
 * The receivedAt test of one received day: only the days the window cuts need one (the first from `from`,
 * the last before `to`); a day inside the window is its receivedDay equality alone.
 */
function receivedAtWithin(window: ReceptionWindow, day: string): { receivedAt?: Record<string, Date> } {
  const range = cutOfDay(window, day);
  return range ? { receivedAt: range } : {};
}

/** One day's query of calls: `day` as an equality, and the timestamp test on the days a time window cuts. */
function callsOfDay(query: RowQuery, filter: Record<string, unknown>, day: string): Record<string, unknown> {
  const range = query.window && cutOfDay(query.window, day);
  return range ? { ...filter, day, timestamp: range } : { ...filter, day };
}

/** The bounds of a [from, to) window that fall inside one UTC day, undefined when the window covers it whole. */
function cutOfDay(window: { from: Date; to: Date }, day: string): Record<string, Date> | undefined {
  const start = Date.parse(`${day}T00:00:00Z`);
  const range: Record<string, Date> = {};
  if (window.from.getTime() > start) range.$gte = window.from;
  if (window.to.getTime() < start + 86_400_000) range.$lt = window.to;
  return Object.keys(range).length > 0 ? range : undefined;
}

/**
 * The profiles seen in a time window: first seen before its end, last seen at or after its start (a profile
 * never seen active has no last seen, and is in no window).
 */
function seenIn(window: TimeWindow): Record<string, unknown> {
  return { firstSeen: { $lt: window.to }, lastSeen: { $gte: window.from } };
}

/** The cursors of consecutive days, one open at a time, as one cursor. */
class DayByDayCursor implements RowCursor {
  private current?: { close(): Promise<void> };
  private closed = false;

  constructor(
    private readonly days: string[],
    private readonly open: (day: string) => AsyncIterable<Record<string, unknown>> & { close(): Promise<void> },
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Record<string, unknown>> {
    for (const day of this.days) {
      if (this.closed) return;
      const cursor = this.open(day);
      this.current = cursor;
      try {
        for await (const doc of cursor) yield doc;
      } finally {
        await cursor.close();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.current?.close();
  }
}

function endOfDay(day: string): Date {
  return new Date(`${day}T23:59:59.999Z`);
}
