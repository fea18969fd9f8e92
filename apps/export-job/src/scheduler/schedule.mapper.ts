import { destinationsV1, schedulesV1 } from '@exportd/contracts';
import { DomainError } from '@exportd/grpc';
import { providerToProto, SealedDestination } from '../destinations';
import { Cadence } from './periods';
import { ScheduleStatus } from './schedule-status';

/** Proto <-> domain for schedules: cadences, statuses, a destination held by a schedule. */

const CADENCES = new Map<schedulesV1.Cadence, Cadence>([
  [schedulesV1.Cadence.CADENCE_DAILY, 'daily'],
  [schedulesV1.Cadence.CADENCE_WEEKLY, 'weekly'],
  [schedulesV1.Cadence.CADENCE_MONTHLY, 'monthly'],
]);
const STATUSES: Record<ScheduleStatus['lastStatus'], schedulesV1.RunStatus> = {
  never_ran: schedulesV1.RunStatus.RUN_STATUS_NEVER_RAN,
  successful: schedulesV1.RunStatus.RUN_STATUS_SUCCESSFUL,
  failed: schedulesV1.RunStatus.RUN_STATUS_FAILED,
};

/**
 * One of the `allowed` cadences: the automatic export's and scheduled exports' are daily or weekly (seeds 000
 * and 003); Coveo schedules also take monthly. `message` says what the caller may send.
 */
export function cadenceFromProto(
  cadence: schedulesV1.Cadence,
  allowed: readonly Cadence[] = ['daily', 'weekly'],
  message = 'cadence must be daily or weekly',
): Cadence {
  const known = CADENCES.get(cadence);
  if (!known || !allowed.includes(known)) throw new DomainError('invalid', 'invalid_request', message);
  return known;
}

export function cadenceToProto(cadence: Cadence): schedulesV1.Cadence {
  if (cadence === 'monthly') return schedulesV1.Cadence.CADENCE_MONTHLY;
  return cadence === 'weekly' ? schedulesV1.Cadence.CADENCE_WEEKLY : schedulesV1.Cadence.CADENCE_DAILY;
}

export function scheduleStatusToProto(status: ScheduleStatus): schedulesV1.ScheduleStatus {
  return {
    lastRunAt: status.lastRunAt ?? undefined,
    lastStatus: STATUSES[status.lastStatus],
    nextRunAt: status.nextRunAt ?? undefined,
    error: status.error ?? '',
  };
}

/** A destination a schedule holds: no id or name of its own, never the secret. */
export function sealedDestinationToProto(destination: SealedDestination): destinationsV1.Destination {
  return {
    id: '',
    name: '',
    provider: providerToProto(destination.provider),
    bucket: destination.bucket,
    region: destination.region,
    key: destination.key,
    endpoint: destination.endpoint,
    accessKeyId: destination.accessKeyId,
  };
}
