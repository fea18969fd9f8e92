import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';
import { ExclusionListBusy } from './exclusions.errors';

/**
 * An app's exclusion list: users and companies left out of exports when a request asks for `exclusions`.
 * Stored as versions: each write inserts the next `list` document, the newest is the list, older ones are
 * deleted once superseded. `<appId>|list` without a version (version 0) and single-value `user` / `company`
 * records are earlier shapes, still read, and removed by the next PUT.
 */
export interface ExclusionRecord {
  /** `<appId>|list|<version>`, `<appId>|list` (version 0), or `<appId>|<kind>|<value>` for a single-value record. */
  _id: string;
  appId: string;
  kind: 'list' | 'user' | 'company';
  /** A list's version, 1, 2, ... (absent: 0). */
  version?: number;
  value?: string;
  userIds?: string[];
  companyIds?: string[];
  createdAt?: Date;
  updatedAt?: Date;
}

export interface ExclusionList {
  userIds: string[];
  companyIds: string[];
}

const exclusionSchema = new Schema<ExclusionRecord>(
  {
    _id: String,
    appId: String,
    kind: String,
    version: Number,
    value: String,
    userIds: [String],
    companyIds: [String],
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'exclusions' },
);

/** Writers racing for one version retry; this many lost races in a row is a storm, not contention. */
const MAX_WRITE_ATTEMPTS = 50;

/**
 * Concurrency: two writers, PUT (the list replaced whole) and a user's erasure (the list without the user id).
 * No list document is ever updated: a write inserts version n + 1 of the newest version n it read, and the
 * unique `_id` lets one writer of each version win; the loser reads again and retries. So concurrent PUTs
 * leave one of the lists sent, never a mix, and an erasure never writes over a PUT it did not read (an
 * in-place `$pull` would: FerretDB 1.24 rewrites the whole document it read, losing a PUT in between).
 */
@Injectable()
export class ExclusionsRepository implements OnModuleInit {
  private readonly model: Model<ExclusionRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.model = connection.model('Exclusion', exclusionSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.model.collection.createIndex({ appId: 1, kind: 1 });
  }

  /** PUT: the list sent replaces the list whatever it held (only the newest version number is read). */
  async replace(appId: string, list: ExclusionList, now: Date): Promise<void> {
    await this.writeNext(appId, () => list, now);
    // Single-value records of the earlier shape are superseded by the list (one equality each).
    for (const kind of ['user', 'company'] as const) await this.model.deleteMany({ appId, kind });
  }

  async list(appId: string): Promise<ExclusionList> {
    const rows = await this.rows(appId);
    const userIds = new Set<string>(newest(rows)?.userIds ?? []);
    const companyIds = new Set<string>(newest(rows)?.companyIds ?? []);
    for (const row of rows) {
      if (row.kind === 'user' && row.value !== undefined) userIds.add(row.value);
      else if (row.kind === 'company' && row.value !== undefined) companyIds.add(row.value);
    }
    return { userIds: [...userIds], companyIds: [...companyIds] };
  }

  /** How many exclusion records hold the user id: the list (0 or 1) and a single-value record (0 or 1). */
  async userCount(appId: string, userId: string): Promise<number> {
    const rows = await this.rows(appId);
    const inList = newest(rows)?.userIds?.includes(userId) ? 1 : 0;
    const single = rows.some((row) => row.kind === 'user' && row.value === userId) ? 1 : 0;
    return inList + single;
  }

  /**
   * Takes the user id out of the list (a new version without it, older versions deleted: they hold it too)
   * and deletes its single-value record. Idempotent: once the id is gone, nothing is written.
   */
  async removeUser(appId: string, userId: string, now: Date): Promise<void> {
    await this.writeNext(
      appId,
      (current) =>
        current.userIds.includes(userId) ? { ...current, userIds: current.userIds.filter((id) => id !== userId) } : null,
      now,
    );
    await this.model.deleteOne({ _id: `${appId}|user|${userId}`, appId });
  }

  /**
   * Inserts the next version of the list, `next` of the newest one (null: no change), then deletes the
   * versions it supersedes. A duplicate `_id` means another write took that version first: read again.
   */
  private async writeNext(appId: string, next: (current: ExclusionList) => ExclusionList | null, now: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const lists = (await this.rows(appId)).filter((row) => row.kind === 'list');
      const current = newest(lists);
      const list = next({ userIds: current?.userIds ?? [], companyIds: current?.companyIds ?? [] });
      if (list) {
        const version = versionOf(current) + 1;
        try {
          await this.model.collection.insertOne({
            _id: `${appId}|list|${version}`,
            appId,
            kind: 'list',
            version,
            userIds: list.userIds,
            companyIds: list.companyIds,
            updatedAt: now,
          } as never);
        } catch (error) {
          if ((error as { code?: number }).code !== 11000) throw error;
          if (attempt >= MAX_WRITE_ATTEMPTS) throw new ExclusionListBusy();
          continue;
        }
        await this.deleteRows(appId, lists);
      } else {
        await this.deleteRows(
          appId,
          lists.filter((row) => row !== current),
        );
      }
      return;
    }
  }

  private rows(appId: string): Promise<ExclusionRecord[]> {
    return this.model.find({ appId }).lean<ExclusionRecord[]>().exec();
  }

  private async deleteRows(appId: string, rows: readonly ExclusionRecord[]): Promise<void> {
    for (const row of rows) await this.model.deleteOne({ _id: row._id, appId });
  }
}

function versionOf(row: ExclusionRecord | undefined): number {
  return row?.version ?? 0;
}

/** The newest list version among the rows (the list), if any. */
function newest(rows: readonly ExclusionRecord[]): ExclusionRecord | undefined {
  let found: ExclusionRecord | undefined;
  for (const row of rows) if (row.kind === 'list' && (!found || versionOf(row) > versionOf(found))) found = row;
  return found;
}
