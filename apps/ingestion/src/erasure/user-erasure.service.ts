import { Injectable } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { AppsService } from '../apps/apps.service';
import { SuppressionList } from '../tracking/suppression-list';
import { TrackingService } from '../tracking/tracking.service';
import { WritePriority } from '../tracking/write-priority';
import { ErasureRequestMismatch, InvalidErasureRequest } from './erasure.errors';
import { RemovedCount, UserErasureRecord, UserErasureRepository } from './user-erasure.repository';

/** Calls deleted per batch; other apps' raw inserts get a turn between batches. */
const DELETE_BATCH = 1_000;
/** Longest wait for that turn: the erasure holds its app's queue, so it must not starve behind other apps. */
const MAX_TURN_WAIT_MS = 100;

/**
 * Erases what ingestion holds about one user of an app: every raw call naming the user (any type; the
 * messageId dedupe lives in the call's `_id`, so it goes too), the user profile and the user's id in every
 * company profile. Usage counters and company attribute days name no user and keep their counts.
 *
 * It runs as an exclusive step of the app (TrackingService.exclusive): calls stored before it are applied
 * first, nothing of the app is stored or applied while it runs (so its `$pull` of a link never races the
 * projector's `$addToSet` on the same company profile, which FerretDB would lose), and calls arriving
 * meanwhile are stored after it: new data, kept unless the user is suppressed.
 *
 * Per request id, the first attempt's counts are recorded (unique insert, counted before deleting) and every
 * attempt runs the deletions again: a retry after a crash removes what is left, and answers the first counts.
 */
@Injectable()
export class UserErasureService {
  constructor(
    private readonly repository: UserErasureRepository,
    private readonly apps: AppsService,
    private readonly tracking: TrackingService,
    private readonly suppressions: SuppressionList,
    private readonly priority: WritePriority,
    private readonly clock: Clock,
  ) {}

  async eraseUser(appId: string, userId: string, requestId: string, suppress: boolean): Promise<RemovedCount[]> {
    const missing = Object.entries({ appId, userId, requestId }).flatMap(([name, value]) => (value ? [] : [name]));
    if (missing.length > 0)
      throw new InvalidErasureRequest(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required`);
    await this.apps.getApp(appId);
    return this.tracking.exclusive(appId, () => this.erase(appId, userId, requestId, suppress));
  }

  private async erase(appId: string, userId: string, requestId: string, suppress: boolean): Promise<RemovedCount[]> {
    const userHash = await this.suppressions.userHash(appId, userId);
    const first =
      (await this.repository.findErasure(appId, requestId)) ?? (await this.claim(appId, userId, userHash, requestId, suppress));
    if (first.userHash !== userHash) throw new ErasureRequestMismatch(requestId);

    // First, so that other replicas refuse the user's calls as soon as they refresh their lists.
    if (first.suppress || suppress) await this.suppressions.suppress(appId, userHash);
    for (;;) {
      await this.priority.turn(MAX_TURN_WAIT_MS);
      if ((await this.repository.deleteCalls(appId, userId, DELETE_BATCH)) < DELETE_BATCH) break;
    }
    for (const companyProfileId of await this.repository.companiesListing(appId, userId)) {
      await this.repository.unlink(appId, companyProfileId, userId);
    }
    await this.repository.deleteProfile(appId, userId);
    return first.removed;
  }

  /** Counts what is there to remove and records it as the request's first attempt. */
  private async claim(
    appId: string,
    userId: string,
    userHash: string,
    requestId: string,
    suppress: boolean,
  ): Promise<UserErasureRecord> {
    const removed: RemovedCount[] = [
      { name: 'tracking_calls', count: await this.repository.countCalls(appId, userId) },
      { name: 'user_profiles', count: (await this.repository.hasProfile(appId, userId)) ? 1 : 0 },
      { name: 'company_profiles', count: (await this.repository.companiesListing(appId, userId)).length },
    ];
    if (suppress && !(await this.suppressions.isSuppressed(appId, userHash))) removed.push({ name: 'suppressions', count: 1 });
    return this.repository.claimErasure({ appId, requestId, userHash, suppress, removed, createdAt: this.clock.now() });
  }
}
