import { createServer, Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's Prometheus registry: every metric of the process registers here, with the process's
 * `service` label added at start-up (see `initMetrics`).
 */
export const metrics = new Registry();

let initialized = false;

/** Names the process on every series and adds Node's own metrics (memory, event loop lag, GC); once per process. */
export function initMetrics(service: string): void {
  if (initialized) return;
  initialized = true;
  metrics.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metrics });
}

/** The Prometheus text answer of GET /metrics. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: metrics.contentType, body: await metrics.metrics() };
}

/** Serves GET /metrics on its own port (the services speak only gRPC otherwise); resolves once listening. */
export async function startMetricsServer(port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metricsText().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** Seconds since `startedAt` (a `process.hrtime.bigint()` reading), for histograms. */
export function secondsSince(startedAt: bigint): number {
  return Number(process.hrtime.bigint() - startedAt) / 1e9;
}
