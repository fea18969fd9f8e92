import {
  CallOptions,
  ChannelCredentials,
  Client,
  ClientReadableStream,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  ServiceError,
} from '@grpc/grpc-js';
import { currentRequestId, REQUEST_ID_HEADER } from '@exportd/observability';
import { INTERNAL_TOKEN_METADATA } from './internal-token.guard';
import { MAX_GRPC_MESSAGE_BYTES } from './server';

interface MethodDefinitionLike {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: never) => Buffer;
  responseDeserialize: (value: Buffer) => unknown;
}

type ServiceDefinitionLike = Record<string, MethodDefinitionLike>;

type RequestOf<M> = M extends { requestSerialize: (value: infer Req) => Buffer } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize: (value: Buffer) => infer Res } ? Res : never;

/** A promise-based client over a ts-proto grpc-js service definition; server streams are async iterables. */
export type GrpcClient<S extends ServiceDefinitionLike> = {
  [K in keyof S]: S[K]['responseStream'] extends true
    ? (request: RequestOf<S[K]>, options?: CallOptions) => ClientReadableStream<ResponseOf<S[K]>>
    : (request: RequestOf<S[K]>, options?: CallOptions) => Promise<ResponseOf<S[K]>>;
} & { close(): void; raw: Client };

export interface GrpcClientOptions {
  address: string;
  internalToken: string;
  /** Deadline of unary calls, in ms. */
  timeoutMs?: number;
  /** Wait (up to the deadline) for a reconnecting channel instead of failing at once. */
  waitForReady?: boolean;
  channelCredentials?: ChannelCredentials;
}

export function createGrpcClient<S extends ServiceDefinitionLike>(definition: S, options: GrpcClientOptions): GrpcClient<S> {
  const Constructor = makeGenericClientConstructor(definition as never, 'service');
  const raw = new Constructor(options.address, options.channelCredentials ?? credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
    'grpc.keepalive_time_ms': 30_000,
    // Reconnect quickly after a service restarts (the default backoff grows to two minutes).
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 2_000,
  }) as Client & Record<string, (...args: unknown[]) => unknown>;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client: Record<string, unknown> = { raw, close: () => raw.close() };

  for (const [name, method] of Object.entries(definition)) {
    if (method.responseStream) {
      client[name] = (request: unknown, callOptions: CallOptions = {}) => raw[name](request, tokenMetadata(options), callOptions);
    } else {
      client[name] = (request: unknown, callOptions: CallOptions = {}) =>
        new Promise((resolve, reject) => {
          raw[name](
            request,
            tokenMetadata(options),
            { deadline: Date.now() + timeoutMs, ...callOptions },
            (error: ServiceError | null, response: unknown) => (error ? reject(error) : resolve(response)),
          );
        });
    }
  }
  return client as GrpcClient<S>;
}

function tokenMetadata(options: GrpcClientOptions): Metadata {
  const metadata = new Metadata({ waitForReady: options.waitForReady ?? false });
  metadata.set(INTERNAL_TOKEN_METADATA, options.internalToken);
  // The request this call is part of, so every service's log lines of it share one id.
  const requestId = currentRequestId();
  if (requestId !== undefined) metadata.set(REQUEST_ID_HEADER, requestId);
  return metadata;
}
