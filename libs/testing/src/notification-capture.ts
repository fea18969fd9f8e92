import { notifications } from '@exportd/contracts';
import { Metadata, Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';

export interface CapturedNotification {
  request: notifications.NotifyExportFinishedRequest;
  internalToken: string;
  receivedAt: number;
}

export interface NotificationCapture {
  /** host:port for NOTIFICATION_GRPC_ADDR. */
  address: string;
  calls: CapturedNotification[];
  close(): Promise<void>;
}

/**
 * A real gRPC server on loopback serving notifications.v1.NotificationsService that records every
 * NotifyExportFinished call and answers success: it counts how often export-job hands a job's end over.
 */
export async function startNotificationCapture(): Promise<NotificationCapture> {
  const calls: CapturedNotification[] = [];
  const server = new Server();
  server.addService(notifications.NotificationsServiceService, {
    notifyExportFinished: (
      call: ServerUnaryCall<notifications.NotifyExportFinishedRequest, notifications.NotifyExportFinishedResponse>,
      callback: sendUnaryData<notifications.NotifyExportFinishedResponse>,
    ) => {
      calls.push({ request: call.request, internalToken: tokenOf(call.metadata), receivedAt: Date.now() });
      callback(null, { deliveries: 0 });
    },
    listDeliveries: (
      _call: ServerUnaryCall<notifications.ListDeliveriesRequest, notifications.ListDeliveriesResponse>,
      callback: sendUnaryData<notifications.ListDeliveriesResponse>,
    ) => callback(null, { deliveries: [] }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

function tokenOf(metadata: Metadata): string {
  const value = metadata.get('x-internal-token')[0];
  return typeof value === 'string' ? value : '';
}
