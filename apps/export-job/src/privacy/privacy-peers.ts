import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { privacy } from '@exportd/contracts';
import { asDomainError, createGrpcClient, GrpcClient } from '@exportd/grpc';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { RecordCount } from './privacy-request.repository';

export interface ErasureAsk {
  appId: string;
  userId: string;
  requestId: string;
  suppress: boolean;
}

/** The other services' parts of a privacy request, each through its own gRPC API. */
export abstract class PrivacyPeers {
  /** Ingestion erases the user's raw calls, profile and links (and suppresses the user when asked). */
  abstract eraseInIngestion(ask: ErasureAsk): Promise<RecordCount[]>;
  /** Aggregation erases the user from the exclusion lists. */
  abstract eraseInAggregation(ask: ErasureAsk): Promise<RecordCount[]>;
  /** Aggregation streams everything held about the user (see privacy.v1.UserDataService). */
  abstract userData(appId: string, userId: string, signal: AbortSignal): AsyncIterable<privacy.UserDataChunk>;
}

@Injectable()
export class GrpcPrivacyPeers extends PrivacyPeers implements OnApplicationShutdown {
  private readonly ingestion: GrpcClient<typeof privacy.UserErasureServiceService>;
  private readonly aggregation: GrpcClient<typeof privacy.UserErasureServiceService>;
  private readonly userDataClient: GrpcClient<typeof privacy.UserDataServiceService>;

  constructor(@Inject(EXPORT_JOB_ENV) env: ExportJobEnv) {
    super();
    // An erasure may wait for the app's pending calls to be applied first: a generous deadline.
    const at = (address: string) => ({ address, internalToken: env.INTERNAL_TOKEN, timeoutMs: 120_000 });
    this.ingestion = createGrpcClient(privacy.UserErasureServiceService, at(env.INGESTION_GRPC_ADDR));
    this.aggregation = createGrpcClient(privacy.UserErasureServiceService, at(env.AGGREGATION_GRPC_ADDR));
    this.userDataClient = createGrpcClient(privacy.UserDataServiceService, at(env.AGGREGATION_GRPC_ADDR));
  }

  async eraseInIngestion(ask: ErasureAsk): Promise<RecordCount[]> {
    return (await this.ingestion.eraseUser(ask).catch(rethrow)).removed;
  }

  async eraseInAggregation(ask: ErasureAsk): Promise<RecordCount[]> {
    return (await this.aggregation.eraseUser(ask).catch(rethrow)).removed;
  }

  userData(appId: string, userId: string, signal: AbortSignal): AsyncIterable<privacy.UserDataChunk> {
    const call = this.userDataClient.streamUserData({ appId, userId });
    const cancel = () => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    call.on('close', () => signal.removeEventListener('abort', cancel));
    return call as AsyncIterable<privacy.UserDataChunk>;
  }

  onApplicationShutdown(): void {
    this.ingestion.close();
    this.aggregation.close();
    this.userDataClient.close();
  }
}

function rethrow(error: unknown): never {
  throw asDomainError(error);
}
