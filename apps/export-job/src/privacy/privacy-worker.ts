import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { attemptId } from '../db/leased-attempts';
import { ExportStorage } from '../storage/export-storage';
import { ExportFilesEraser } from './export-files-eraser';
import { PrivacyPeers } from './privacy-peers';
import {
  PrivacyAttemptRecord,
  PrivacyRequestRecord,
  PrivacyRequestRepository,
  PrivacyService,
  RecordCount,
} from './privacy-request.repository';
import { userDataKey } from './privacy-requests.service';
import { userDataDocument } from './user-data-document';

/** Open requests one poll looks at. */
const POLL_BATCH = 20;
/** An open entry whose request was never stored belongs to a create that died (after this long). */
const CREATE_GRACE_MS = 60_000;

/**
 * Carries out privacy requests, in every process. A request's attempt is claimed by unique insert and held
 * with a heartbeat lease, so one process works on it at a time; a process killed in the middle loses its
 * lease and another (or the restarted one) claims the next attempt and resumes. Every step is idempotent and
 * recorded once (a service's confirmation by unique insert), so resuming redoes only what was not confirmed.
 * A failed attempt is retried with back-off, without limit: an erasure must finish, and its error shows on
 * the request meanwhile.
 *
 * Erasure: ingestion (raw calls, profile, links, suppression), aggregation (exclusion lists), then
 * export-job's own files (ExportFilesEraser) and the user's earlier data exports; then the plain user id is
 * forgotten and the request ends. User data export: aggregation's stream into one JSON document.
 */
@Injectable()
export class PrivacyWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PrivacyWorker.name);
  private readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly repo: PrivacyRequestRepository,
    private readonly peers: PrivacyPeers,
    private readonly files: ExportFilesEraser,
    private readonly storage: ExportStorage,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.PRIVACY_POLL_INTERVAL_MS === 0) return;
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.polling = this.poll()
        .catch((error: unknown) => this.logger.warn(`poll: ${(error as Error).message}`))
        .finally(() => (this.polling = undefined));
    }, this.env.PRIVACY_POLL_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.polling;
  }

  /** Works on every open request that nobody holds and whose back-off is over; answers when done. */
  async poll(): Promise<void> {
    for (const open of await this.repo.openRequests(POLL_BATCH)) {
      if (this.stopping.signal.aborted) return;
      const request = await this.repo.find(open.appId, open._id);
      if (!request) {
        if (this.clock.now().getTime() - open.requestedAt.getTime() > CREATE_GRACE_MS)
          await this.repo.closeRequest(open.appId, open._id);
        continue;
      }
      if (await this.repo.findEnd(request.appId, request._id)) {
        await this.repo.closeRequest(request.appId, request._id);
        continue;
      }
      const attempt = await this.claim(request);
      if (attempt) await this.attempt(request, attempt);
    }
  }

  private async claim(request: PrivacyRequestRecord): Promise<PrivacyAttemptRecord | null> {
    const now = this.clock.now();
    const latest = await this.repo.attempts.latest(request.appId, request._id);
    if (latest && latest.leaseUntil.getTime() > now.getTime()) return null;
    const n = (latest?.attempt ?? 0) + 1;
    const attempt: PrivacyAttemptRecord = {
      _id: attemptId(request._id, n),
      appId: request.appId,
      requestId: request._id,
      attempt: n,
      owner: this.owner,
      claimedAt: now,
      leaseUntil: new Date(now.getTime() + this.env.PRIVACY_LEASE_MS),
      error: null,
    };
    return (await this.repo.attempts.claim(attempt)) ? attempt : null;
  }

  private async attempt(request: PrivacyRequestRecord, attempt: PrivacyAttemptRecord): Promise<void> {
    const lost = new AbortController();
    const stop = () => lost.abort();
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    const heartbeat = setInterval(() => {
      const leaseUntil = new Date(this.clock.now().getTime() + this.env.PRIVACY_LEASE_MS);
      void this.repo.attempts.extend(request.appId, request._id, attempt.attempt, leaseUntil).then(
        (held) => held || lost.abort(),
        () => undefined,
      );
    }, this.env.PRIVACY_LEASE_MS / 3);
    try {
      if (request.type === 'export') await this.exportUserData(request, lost.signal);
      else await this.erase(request, lost.signal);
    } catch (error) {
      const message = (error as Error).message;
      const backoff = Math.min(this.env.PRIVACY_RETRY_MAX_MS, 1_000 * 2 ** Math.min(attempt.attempt - 1, 16));
      this.logger.warn(`privacy request ${request._id} (${request.type}), attempt ${attempt.attempt}: ${message}`);
      await this.repo.attempts
        .settle(request.appId, request._id, attempt.attempt, {
          error: message,
          leaseUntil: new Date(this.clock.now().getTime() + backoff),
        })
        .catch(() => undefined); // the lease runs out instead
    } finally {
      clearInterval(heartbeat);
      this.stopping.signal.removeEventListener('abort', stop);
    }
  }

  private async exportUserData(request: PrivacyRequestRecord, signal: AbortSignal): Promise<void> {
    const { appId } = request;
    const userId = await this.repo.userIdOf(appId, request._id);
    if (userId === null) return this.end(request, 'failed', 'the user was erased before the export was made');
    const counts: RecordCount[] = [];
    const key = userDataKey(appId, request._id);
    const document = userDataDocument(
      this.peers.userData(appId, userId, signal),
      { appId, userId, generatedAt: this.clock.now() },
      counts,
    );
    await this.storage.upload(key, document, 'application/json', signal);
    await this.confirm(request, 'aggregation', counts);
    await this.end(request, 'completed', null, key);
  }

  private async erase(request: PrivacyRequestRecord, signal: AbortSignal): Promise<void> {
    const { appId } = request;
    const userId = await this.repo.userIdOf(appId, request._id);
    // Forgotten already: an earlier attempt finished everything and died before recording the end.
    if (userId === null) return this.end(request, 'completed', null);
    const ask = { appId, userId, requestId: request._id, suppress: request.suppress };
    const ingestion = await this.step(request, 'ingestion', () => this.peers.eraseInIngestion(ask));
    await this.step(request, 'aggregation', () => this.peers.eraseInAggregation(ask));
    await this.step(request, 'export-job', async () => {
      const counts = await this.files.erase(appId, userId, request._id, ingestion.at, signal);
      return [...counts, { name: 'user_data_exports_deleted', count: await this.deleteUserDataExports(request) }];
    });
    // The plain user id of every ended request about the user, and of this one (see forgetUser).
    await this.repo.forgetUser(appId, request.userHash, request._id);
    await this.end(request, 'completed', null);
  }

  /** The user's earlier data exports (documents naming the user) are deleted with the rest. */
  private async deleteUserDataExports(erasure: PrivacyRequestRecord): Promise<number> {
    let deleted = 0;
    for (const other of await this.repo.ofUser(erasure.appId, erasure.userHash)) {
      if (other.type !== 'export') continue;
      deleted += await this.storage.deletePrefix(userDataKey(erasure.appId, other._id));
    }
    return deleted;
  }

  /** Runs a service's step unless it was confirmed before; answers the confirmation. */
  private async step(request: PrivacyRequestRecord, service: PrivacyService, run: () => Promise<RecordCount[]>) {
    const done = await this.repo.findStep(request.appId, request._id, service);
    if (done) return done;
    await this.confirm(request, service, await run());
    const confirmed = await this.repo.findStep(request.appId, request._id, service);
    if (!confirmed) throw new Error(`the ${service} step was not recorded`);
    return confirmed;
  }

  private async confirm(request: PrivacyRequestRecord, service: PrivacyService, counts: RecordCount[]): Promise<void> {
    await this.repo.insertStep({
      _id: `${request._id}|${service}`,
      appId: request.appId,
      requestId: request._id,
      service,
      counts: counts.map(({ name, count }) => ({ name, count })),
      at: this.clock.now(),
    });
  }

  private async end(
    request: PrivacyRequestRecord,
    status: 'completed' | 'failed',
    error: string | null,
    fileKey: string | null = null,
  ): Promise<void> {
    await this.repo.insertEnd({
      _id: request._id,
      appId: request.appId,
      status,
      at: this.clock.now(),
      error,
      fileKey,
      ...(fileKey ? { fileDeleted: false } : {}),
    });
    // A request that ends after an erasure of its user has completed forgets the user too.
    if (await this.repo.userErased(request.appId, request.userHash))
      await this.repo.forgetUser(request.appId, request.userHash, request._id);
    await this.repo.closeRequest(request.appId, request._id);
  }
}
