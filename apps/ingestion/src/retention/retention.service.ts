import { Injectable } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { AppsService } from '../apps/apps.service';
import { InvalidRetentionPolicy } from './retention.errors';
import { AppRetention, DEFAULT_RETENTION, RETENTION_BOUNDS, RetentionPolicy } from './retention.model';
import { RetentionPolicyRepository } from './retention-policy.repository';
import { RetentionSweepRepository } from './retention-sweep.repository';

/** Per-app retention policies: what the sweeper (raw calls, aggregates) and export-job (files) keep. */
@Injectable()
export class RetentionService {
  constructor(
    private readonly repository: RetentionPolicyRepository,
    private readonly sweeps: RetentionSweepRepository,
    private readonly apps: AppsService,
    private readonly clock: Clock,
  ) {}

  async getRetention(appId: string): Promise<AppRetention> {
    await this.apps.getApp(appId);
    return { ...(await this.retentionOf(appId)), ...(await this.sweeps.sweptBefore(appId)) };
  }

  /**
   * Replaces the policy with `change` over the current one (a field left out keeps its value). Concurrent PUTs:
   * the last write wins whole, so a PUT of every field never mixes with another.
   */
  async putRetention(appId: string, change: Partial<RetentionPolicy> | undefined): Promise<AppRetention> {
    if (!change) throw new InvalidRetentionPolicy('policy is required');
    await this.apps.getApp(appId);
    const given = Object.fromEntries(Object.entries(change).filter(([, days]) => days !== undefined && days !== null));
    const checked = checkPolicy({ ...(await this.retentionOf(appId)).policy, ...given });
    const stored = await this.repository.replace(appId, checked, this.clock.now());
    return { policy: checked, isDefault: false, updatedAt: stored.updatedAt };
  }

  /** The app's policy, or the defaults (the sweeper: no check that the app exists). */
  async retentionOf(appId: string): Promise<AppRetention> {
    const stored = await this.repository.find(appId);
    if (!stored) return { policy: { ...DEFAULT_RETENTION }, isDefault: true };
    const { rawEventsDays, aggregatesDays, exportFilesDays, updatedAt } = stored;
    return { policy: { rawEventsDays, aggregatesDays, exportFilesDays }, isDefault: false, updatedAt };
  }
}

function checkPolicy(policy: Partial<RetentionPolicy>): RetentionPolicy {
  const problems = (Object.keys(RETENTION_BOUNDS) as (keyof RetentionPolicy)[]).flatMap((field) => {
    const [min, max] = RETENTION_BOUNDS[field];
    const value = policy[field];
    const valid = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
    return valid ? [] : [{ field, message: `${field} must be an integer from ${min} to ${max}` }];
  });
  if (problems.length > 0) {
    throw new InvalidRetentionPolicy(problems.map((p) => p.message).join('; '), { fields: problems.map((p) => p.field) });
  }
  return {
    rawEventsDays: policy.rawEventsDays as number,
    aggregatesDays: policy.aggregatesDays as number,
    exportFilesDays: policy.exportFilesDays as number,
  };
}
