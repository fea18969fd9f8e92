import { Injectable } from '@nestjs/common';
import { featureRule } from '../company-usage/company-usage.service';
import { FeaturesService } from '../features/features.service';
import { InvalidPrivacyRequest } from './privacy.errors';
import { encodeCall, encodeCompany, encodeProfile, UserDataSummary } from './user-data-json';
import { UserDataRepository } from './user-data.repository';

/** One part of a user's document, in the order they are sent. Every string is the JSON text of one object. */
export type UserDataPart =
  | { kind: 'profile'; profileJson: string; companiesJson: string[] }
  | { kind: 'calls'; callsJson: string[] }
  | { kind: 'summary'; summaryJson: string };

export const USER_DATA_BATCH = 500;
/** A batch also ends at this much JSON text, so calls with big attributes stay far below the 32 MiB message limit. */
export const USER_DATA_BATCH_CHARS = 4 * 1024 * 1024;

/**
 * A user's data (subject access): the profile and the user's companies, every raw call of the user, and an
 * engagement summary. Calls stream from a cursor in batches and the summary is folded on the way, so memory
 * holds one batch, whatever the number of calls.
 */
@Injectable()
export class UserDataService {
  constructor(
    private readonly repository: UserDataRepository,
    private readonly features: FeaturesService,
  ) {}

  /**
   * The parts in order: profile (empty when the user has none) and companies, the calls' batches, the summary.
   * An unknown user is no error: an empty profile, no calls, a summary of zeros. Throws before the first part
   * when the request is invalid; nothing is read until the first part is asked for.
   */
  async *stream(appId: string, userId: string, batchSize = USER_DATA_BATCH): AsyncGenerator<UserDataPart> {
    if (!appId) throw new InvalidPrivacyRequest('app_id is required');
    if (!userId) throw new InvalidPrivacyRequest('user_id is required');
    const profile = await this.repository.profile(appId, userId);
    const companies = profile ? await this.repository.companies(appId, profile.companyIds ?? []) : [];
    const summary = new UserDataSummary((await this.features.list(appId)).map(featureRule));
    yield { kind: 'profile', profileJson: profile ? encodeProfile(profile) : '', companiesJson: companies.map(encodeCompany) };

    const size = Math.max(1, batchSize);
    const cursor = this.repository.calls(appId, userId);
    let batch: string[] = [];
    let chars = 0;
    try {
      for await (const call of cursor) {
        summary.add(call);
        const json = encodeCall(call);
        batch.push(json);
        chars += json.length;
        if (batch.length >= size || chars >= USER_DATA_BATCH_CHARS) {
          yield { kind: 'calls', callsJson: batch };
          batch = [];
          chars = 0;
        }
      }
    } finally {
      await cursor.close();
    }
    if (batch.length > 0) yield { kind: 'calls', callsJson: batch };
    yield { kind: 'summary', summaryJson: summary.json() };
  }
}
