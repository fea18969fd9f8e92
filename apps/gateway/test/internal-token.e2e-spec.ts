import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { INTERNAL_TOKEN_METADATA, PROTO_ROOT } from '@exportd/grpc';
import { inParallel, SERVICE_NAMES, startTestPlatform, TestPlatform } from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Rpc {
  /** e.g. /exports.v1.ExportsService/CreateExport */
  path: string;
  definition: grpc.MethodDefinition<object, object>;
}

/** Every .proto file under proto/, so a new contract is covered without touching this test. */
function protoFiles(dir = PROTO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? protoFiles(join(dir, entry.name)) : entry.name.endsWith('.proto') ? [join(dir, entry.name)] : [],
  );
}

/** Every RPC of every service the contracts declare. */
function allRpcs(): Rpc[] {
  const files = protoFiles().map((file) => relative(PROTO_ROOT, file));
  const definitions = protoLoader.loadSync(files, {
    includeDirs: [PROTO_ROOT],
    keepCase: false,
    longs: Number,
    enums: Number,
    defaults: true,
    oneofs: true,
  });
  const rpcs: Rpc[] = [];
  for (const definition of Object.values(definitions)) {
    // Message and enum types have `format`; a service is a map of method definitions.
    if ('format' in definition) continue;
    for (const method of Object.values(definition as grpc.ServiceDefinition)) {
      rpcs.push({ path: method.path, definition: method as grpc.MethodDefinition<object, object> });
    }
  }
  return rpcs;
}

/** Calls one RPC with an empty request and the given metadata; answers the status code it ends with. */
function callStatus(client: grpc.Client, rpc: Rpc, metadata: grpc.Metadata): Promise<{ code: grpc.status; details: string }> {
  const { requestSerialize, responseDeserialize, requestStream, responseStream } = rpc.definition;
  const options = { deadline: Date.now() + 10_000 };
  return new Promise((resolve) => {
    const done = (error: grpc.ServiceError | null) =>
      resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '' });
    if (!requestStream && !responseStream) {
      client.makeUnaryRequest(rpc.path, requestSerialize, responseDeserialize, {}, metadata, options, (error) => done(error));
    } else if (!requestStream) {
      const stream = client.makeServerStreamRequest(rpc.path, requestSerialize, responseDeserialize, {}, metadata, options);
      stream.on('data', () => undefined);
      stream.on('error', (error: grpc.ServiceError) => done(error));
      stream.on('end', () => done(null));
    } else if (!responseStream) {
      const call = client.makeClientStreamRequest(rpc.path, requestSerialize, responseDeserialize, metadata, options, (error) =>
        done(error),
      );
      call.write({});
      call.end();
    } else {
      const call = client.makeBidiStreamRequest(rpc.path, requestSerialize, responseDeserialize, metadata, options);
      call.on('data', () => undefined);
      call.on('error', (error: grpc.ServiceError) => done(error));
      call.on('end', () => done(null));
      call.write({});
      call.end();
    }
  });
}

function metadataWith(token?: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set(INTERNAL_TOKEN_METADATA, token);
  return metadata;
}

/**
 * Every RPC of every contract, on every service's port, without the internal token or with a wrong one: refused
 * UNAUTHENTICATED before any handler runs (the services trust the gateway's tenancy checks, so an unguarded RPC
 * would let anyone on the network read or change any app's data).
 */
describe('internal gRPC without the internal token', () => {
  let platform: TestPlatform;
  const clients = new Map<string, grpc.Client>();
  const rpcs = allRpcs();

  beforeAll(async () => {
    platform = await startTestPlatform();
    // Each service's address, as the platform hands it to the gateway (INGESTION_GRPC_ADDR, ...).
    for (const [variable, address] of Object.entries(platform.env)) {
      const match = /^(.+)_GRPC_ADDR$/.exec(variable);
      if (match && address) clients.set(match[1].toLowerCase(), new grpc.Client(address, grpc.credentials.createInsecure()));
    }
    expect(clients.size).toBe(SERVICE_NAMES.length);
  });

  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await platform?.stop();
  });

  it('the contracts declare services with unary and streaming RPCs (the walk below covers them all)', () => {
    expect(rpcs.length).toBeGreaterThan(20);
    expect(rpcs.some((rpc) => rpc.definition.responseStream)).toBe(true);
    expect(rpcs.map((rpc) => rpc.path)).toEqual(expect.arrayContaining(['/grpc.health.v1.Health/Check']));
  });

  it('every RPC on every port answers UNAUTHENTICATED with no token, a wrong token of the same length, or the token with a suffix', async () => {
    const wrongTokens = () => [
      undefined,
      randomBytes(Buffer.byteLength(platform.internalToken) / 2 + 1)
        .toString('hex')
        .slice(0, platform.internalToken.length),
      `${platform.internalToken}x`,
      '',
    ];
    const answers = await inParallel(
      [...clients].flatMap(([service, client]) =>
        rpcs.flatMap((rpc) =>
          wrongTokens().map((token, attempt) => async () => ({
            service,
            rpc,
            attempt,
            ...(await callStatus(client, rpc, metadataWith(token))),
          })),
        ),
      ),
    );

    // An RPC a process does not serve is answered UNIMPLEMENTED by gRPC itself: no handler exists there to run.
    // Whether that is really so is checked below with the right token.
    const unexpected = answers.filter((a) => a.code !== grpc.status.UNAUTHENTICATED && a.code !== grpc.status.UNIMPLEMENTED);
    expect(
      unexpected.map((a) => `${a.service} ${a.rpc.path} (attempt ${a.attempt}): ${grpc.status[a.code]} ${a.details}`),
    ).toEqual([]);

    // Each RPC must be guarded on at least one port (where its handler lives); an RPC no process serves is only
    // acceptable if the right token gets UNIMPLEMENTED too (nothing to guard).
    const guardedSomewhere = new Set(answers.filter((a) => a.code === grpc.status.UNAUTHENTICATED).map((a) => a.rpc.path));
    const servedNowhere = rpcs.filter((rpc) => !guardedSomewhere.has(rpc.path));
    const withToken = await inParallel(
      [...clients].flatMap(([service, client]) =>
        servedNowhere.map((rpc) => async () => ({
          service,
          rpc,
          ...(await callStatus(client, rpc, metadataWith(platform.internalToken))),
        })),
      ),
    );
    expect(
      withToken
        .filter((a) => a.code !== grpc.status.UNIMPLEMENTED)
        .map((a) => `${a.service} ${a.rpc.path}: ${grpc.status[a.code]}`),
    ).toEqual([]);

    // The server-streaming RPCs (row streams, user data) are among the refused ones.
    const streaming = answers.filter((a) => a.rpc.definition.responseStream && a.code === grpc.status.UNAUTHENTICATED);
    expect(streaming.length).toBeGreaterThan(0);
  });

  it('the right token is accepted (the refusals above are the guard, not a broken connection)', async () => {
    const check = rpcs.find((rpc) => rpc.path === '/grpc.health.v1.Health/Check') as Rpc;
    for (const client of clients.values()) {
      expect((await callStatus(client, check, metadataWith(platform.internalToken))).code).toBe(grpc.status.OK);
    }
  });
});
