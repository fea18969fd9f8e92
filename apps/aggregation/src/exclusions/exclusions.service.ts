import { Injectable } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { ExclusionList, ExclusionsRepository } from './exclusions.repository';
import { InvalidExclusions } from './exclusions.errors';

const MAX_IDS = 10_000;
const MAX_ID_LENGTH = 256;

/** The app's exclusion list (users and companies whose rows exports with `exclusions` leave out). */
@Injectable()
export class ExclusionsService {
  constructor(
    private readonly repository: ExclusionsRepository,
    private readonly clock: Clock,
  ) {}

  get(appId: string): Promise<ExclusionList> {
    return this.repository.list(appId);
  }

  async put(appId: string, list: ExclusionList): Promise<ExclusionList> {
    const clean = { userIds: checkIds('userIds', list.userIds), companyIds: checkIds('companyIds', list.companyIds) };
    await this.repository.replace(appId, clean, this.clock.now());
    return clean;
  }

  /** How many exclusion records hold the user id (what `eraseUser` removes). */
  userCount(appId: string, userId: string): Promise<number> {
    return this.repository.userCount(appId, userId);
  }

  /**
   * Takes the user id out of the app's exclusion list. A PUT racing it is either read by it (then the id goes
   * from the list sent) or lands after it (then the list sent wins, id included: the customer sent it).
   */
  eraseUser(appId: string, userId: string): Promise<void> {
    return this.repository.removeUser(appId, userId, this.clock.now());
  }
}

function checkIds(field: string, ids: string[]): string[] {
  if (ids.length > MAX_IDS) throw new InvalidExclusions(`${field} must hold at most ${MAX_IDS} ids`);
  for (const id of ids) {
    if (!id || id.length > MAX_ID_LENGTH)
      throw new InvalidExclusions(`${field} must hold ids of 1 to ${MAX_ID_LENGTH} characters`);
  }
  return [...new Set(ids)];
}
