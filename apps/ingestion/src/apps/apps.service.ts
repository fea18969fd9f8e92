import { Injectable } from '@nestjs/common';
import { Clock, newId, randomToken } from '@exportd/runtime';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiKeyRecord, AppRecord, AppRepository } from './app.repository';
import { ApiKeyNotFound, AppNotFound, InvalidAppInput, InvalidCredentials } from './apps.errors';
import { Plan, PLANS, Privilege, PRIVILEGES } from './plan';

const KEY_PREFIX_LENGTH = 12;

export interface IssuedKey {
  id: string;
  key: string;
  privileges: Privilege[];
}

/** Apps, plans, tracking keys and API keys: the tenancy every other service relies on. */
@Injectable()
export class AppsService {
  constructor(
    private readonly repository: AppRepository,
    private readonly clock: Clock,
  ) {}

  async createApp(name: string, plan: string): Promise<{ app: AppRecord; apiKey: IssuedKey }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 200) throw new InvalidAppInput('name must be 1 to 200 characters');
    const app: AppRecord = {
      _id: newId('app'),
      name: trimmed,
      plan: this.checkPlan(plan),
      trackingKey: `tk_${randomToken(24)}`,
      createdAt: this.clock.now(),
    };
    await this.repository.insertApp(app);
    const apiKey = await this.issueKey(app._id, [...PRIVILEGES]);
    return { app, apiKey };
  }

  async getApp(appId: string): Promise<AppRecord> {
    const app = await this.repository.findApp(appId);
    if (!app) throw new AppNotFound(appId);
    return app;
  }

  appIds(): Promise<string[]> {
    return this.repository.appIds();
  }

  async updateApp(appId: string, changes: { plan?: string; name?: string }): Promise<AppRecord> {
    const update: Partial<Pick<AppRecord, 'name' | 'plan'>> = {};
    if (changes.plan !== undefined) update.plan = this.checkPlan(changes.plan);
    if (changes.name !== undefined) {
      if (!changes.name.trim()) throw new InvalidAppInput('name must not be empty');
      update.name = changes.name.trim();
    }
    const app = await this.repository.updateApp(appId, update);
    if (!app) throw new AppNotFound(appId);
    return app;
  }

  async createApiKey(appId: string, privileges: string[]): Promise<IssuedKey> {
    await this.getApp(appId);
    const unknown = privileges.filter((p) => !PRIVILEGES.includes(p as Privilege));
    if (privileges.length === 0 || unknown.length > 0) {
      throw new InvalidAppInput(`privileges must be a non-empty list of ${PRIVILEGES.join(', ')}`, { unknown });
    }
    return this.issueKey(appId, [...new Set(privileges as Privilege[])]);
  }

  async revokeApiKey(appId: string, keyId: string): Promise<void> {
    if (!(await this.repository.revokeKey(appId, keyId, this.clock.now()))) throw new ApiKeyNotFound(keyId);
  }

  async authenticateApiKey(key: string): Promise<{ app: AppRecord; keyId: string; privileges: Privilege[] }> {
    const record = key.startsWith('sk_') ? await this.repository.findKeyByPrefix(key.slice(0, KEY_PREFIX_LENGTH)) : null;
    if (!record || record.revokedAt || !sameHash(record.hash, hashKey(key))) throw new InvalidCredentials('API key');
    const app = await this.repository.findApp(record.appId);
    if (!app) throw new InvalidCredentials('API key');
    return { app, keyId: record._id, privileges: record.privileges };
  }

  async authenticateTrackingKey(trackingKey: string): Promise<AppRecord> {
    const app = await this.repository.findAppByTrackingKey(trackingKey);
    if (!app) throw new InvalidCredentials('tracking key');
    return app;
  }

  private async issueKey(appId: string, privileges: Privilege[]): Promise<IssuedKey> {
    const key = `sk_${randomToken(40)}`;
    const record: ApiKeyRecord = {
      _id: newId('key'),
      appId,
      prefix: key.slice(0, KEY_PREFIX_LENGTH),
      hash: hashKey(key),
      privileges,
      createdAt: this.clock.now(),
      revokedAt: null,
    };
    await this.repository.insertKey(record);
    return { id: record._id, key, privileges };
  }

  private checkPlan(plan: string): Plan {
    if (!PLANS.includes(plan as Plan)) throw new InvalidAppInput(`plan must be one of ${PLANS.join(', ')}`);
    return plan as Plan;
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
