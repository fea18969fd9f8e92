import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { createHmac, randomUUID } from 'node:crypto';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { InvalidPrivacyRequest, PrivacyRequestNotFound } from './privacy.errors';
import { RETENTION_POLICY } from '../jobs/export-jobs.service';
import { RetentionPolicy } from '../jobs/retention';
import { ExportStorage } from '../storage/export-storage';
import {
  PrivacyEndRecord,
  PrivacyRequestRecord,
  PrivacyRequestRepository,
  PrivacyRequestState,
  PrivacyRequestType,
  PrivacyStepRecord,
} from './privacy-request.repository';

export type PrivacyRequestStatus = 'pending' | 'in_progress' | 'completed' | 'failed';

/** A request as the API shows it, folded from its records. */
export interface PrivacyRequestView {
  request: PrivacyRequestRecord;
  /** Empty once an erasure of the user has completed. */
  userId: string;
  status: PrivacyRequestStatus;
  finishedAt: Date | null;
  /** The end's error, or while in progress the latest attempt's (it is retried). */
  error: string;
  steps: PrivacyStepRecord[];
  downloadUrl: string;
  urlExpiresAt: Date | null;
}

export const MAX_USER_ID_LENGTH = 256;

/** Where a user data export's document is stored. */
export function userDataKey(appId: string, requestId: string): string {
  return `apps/${appId}/privacy/${requestId}/user-data.json`;
}

/**
 * Privacy requests: creates them (the worker carries them out, see PrivacyWorker) and shows them. The user
 * id is kept as a salted hash on the request (HMAC-SHA256 keyed by a key derived from ENCRYPTION_KEY, with
 * the app id), so the audit log can still say which requests were about one user after the plain id is gone.
 */
@Injectable()
export class PrivacyRequestsService {
  private readonly hashKey: Buffer;

  constructor(
    @Inject(EXPORT_JOB_ENV) env: ExportJobEnv,
    private readonly repo: PrivacyRequestRepository,
    private readonly storage: ExportStorage,
    private readonly clock: Clock,
    @Inject(RETENTION_POLICY) private readonly retention: RetentionPolicy,
  ) {
    this.hashKey = createHmac('sha256', env.ENCRYPTION_KEY).update('privacy user hash').digest();
  }

  userHash(appId: string, userId: string): string {
    return createHmac('sha256', this.hashKey).update(`${appId}\0${userId}`).digest('hex');
  }

  async create(
    type: PrivacyRequestType,
    ask: { appId: string; userId: string; suppress: boolean; requestedBy: string },
  ): Promise<PrivacyRequestView> {
    if (!ask.appId) throw new InvalidPrivacyRequest('app_id is required');
    if (!ask.userId) throw new InvalidPrivacyRequest('userId is required');
    if (ask.userId.length > MAX_USER_ID_LENGTH)
      throw new InvalidPrivacyRequest(`userId must be at most ${MAX_USER_ID_LENGTH} characters`);
    if (type === 'export' && ask.suppress) throw new InvalidPrivacyRequest('suppress applies to erasures only');
    const request: PrivacyRequestRecord = {
      _id: randomUUID(),
      appId: ask.appId,
      type,
      userHash: this.userHash(ask.appId, ask.userId),
      suppress: ask.suppress,
      requestedBy: ask.requestedBy,
      requestedAt: this.clock.now(),
    };
    await this.repo.insert(request, ask.userId);
    return this.viewOf(request);
  }

  async get(appId: string, id: string): Promise<PrivacyRequestView> {
    const request = await this.repo.find(appId, id);
    if (!request) throw new PrivacyRequestNotFound(id);
    return this.viewOf(request);
  }

  async list(appId: string): Promise<PrivacyRequestView[]> {
    const states = await this.repo.states(appId, await this.repo.list(appId));
    return Promise.all(states.map((state) => this.view(state)));
  }

  private async viewOf(request: PrivacyRequestRecord): Promise<PrivacyRequestView> {
    const [state] = await this.repo.states(request.appId, [request]);
    return this.view(state as PrivacyRequestState);
  }

  private async view(state: PrivacyRequestState): Promise<PrivacyRequestView> {
    const { request, userId, steps, end, latestAttempt } = state;
    const status: PrivacyRequestStatus = end?.status ?? (latestAttempt ? 'in_progress' : 'pending');
    const link = await this.link(end, userId !== null);
    return {
      request,
      userId: userId ?? '',
      status,
      finishedAt: end?.at ?? null,
      error: (end ? end.error : latestAttempt?.error) ?? '',
      steps,
      ...link,
    };
  }

  /** A completed export's link: signed at its end, valid as long as on-demand export links, while the user is not erased. */
  private async link(end: PrivacyEndRecord | null, userKnown: boolean) {
    if (end?.status !== 'completed' || !end.fileKey || end.fileDeleted || !userKnown)
      return { downloadUrl: '', urlExpiresAt: null };
    const ttl = this.retention.linkTtlSeconds('on_demand');
    const urlExpiresAt = new Date(end.at.getTime() + ttl * 1000);
    if (this.clock.now().getTime() >= urlExpiresAt.getTime()) return { downloadUrl: '', urlExpiresAt };
    return { downloadUrl: await this.storage.presign(end.fileKey, end.at, ttl), urlExpiresAt };
  }
}
