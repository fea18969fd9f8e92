import { Injectable } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { ExclusionsService } from '../exclusions/exclusions.service';
import { InvalidPrivacyRequest } from './privacy.errors';
import { RemovedCount, UserErasureRepository } from './user-erasure.repository';

/**
 * Erases what aggregation owns about a user: the user id in the app's exclusion list. Segments and named
 * filters are the customer's configuration (conditions, not records of the user) and are left as they are;
 * features hold no user ids. Suppressing future calls is ingestion's.
 *
 * Once per request: the counts are recorded by unique insert before anything is removed, so every attempt
 * answers the first attempt's counts; an attempt that died before finishing is completed by the next one,
 * and once one finished, retries change nothing. A new request finds nothing left: 0.
 */
@Injectable()
export class UserErasureService {
  constructor(
    private readonly erasures: UserErasureRepository,
    private readonly exclusions: ExclusionsService,
    private readonly clock: Clock,
  ) {}

  async erase(appId: string, userId: string, requestId: string): Promise<RemovedCount[]> {
    if (!appId) throw new InvalidPrivacyRequest('app_id is required');
    if (!userId) throw new InvalidPrivacyRequest('user_id is required');
    if (!requestId) throw new InvalidPrivacyRequest('request_id is required');
    let record = await this.erasures.find(appId, requestId);
    if (!record) {
      const removed = [{ name: 'exclusions', count: await this.exclusions.userCount(appId, userId) }];
      record = await this.erasures.claim(appId, requestId, removed, this.clock.now());
    }
    if (!record.done) {
      await this.exclusions.eraseUser(appId, userId);
      await this.erasures.markDone(appId, requestId, this.clock.now());
    }
    return record.removed.map(({ name, count }) => ({ name, count }));
  }
}
