import { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { tracking } from '@exportd/contracts';
import { CallType } from '@exportd/records';
import { InvalidTrackingCall } from './tracking.errors';
import { TrackingInput } from './tracking.model';
import { TrackingService } from './tracking.service';

const CALL_TYPES: Partial<Record<tracking.CallType, CallType>> = {
  [tracking.CallType.CALL_TYPE_USER]: 'user',
  [tracking.CallType.CALL_TYPE_COMPANY]: 'company',
  [tracking.CallType.CALL_TYPE_EVENT]: 'event',
  [tracking.CallType.CALL_TYPE_FEEDBACK]: 'feedback',
  [tracking.CallType.CALL_TYPE_PAGE]: 'page',
};

/** tracking.v1.TrackingService: proto <-> domain, nothing else. */
@Controller()
@tracking.TrackingServiceControllerMethods()
export class TrackingController implements tracking.TrackingServiceController {
  constructor(private readonly service: TrackingService) {}

  /** Nest passes the grpc-js call third: its deadline tells how long the caller waits for the answer. */
  async track(
    request: tracking.TrackRequest,
    _metadata?: Metadata,
    call?: ServerUnaryCall<unknown, unknown>,
  ): Promise<tracking.TrackResponse> {
    const calls = (request.calls ?? []).map((c, index) => toInput(c, index));
    const { stored, duplicates, suppressed } = await this.service.track(request.appId, calls, deadlineOf(call));
    return { stored, duplicates, suppressed };
  }
}

/** Epoch ms of the caller's deadline; Infinity when it set none. */
function deadlineOf(call: ServerUnaryCall<unknown, unknown> | undefined): number {
  const deadline = call?.getDeadline();
  if (deadline === undefined) return Infinity;
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/** The server decodes with proto-loader: timestamps arrive as {seconds, nanos}, enums as numbers. */
type WireTimestamp = Date | { seconds?: number | string; nanos?: number } | undefined | null;

function toDate(value: WireTimestamp): Date | undefined {
  if (!value) return undefined;
  if (value instanceof Date) return value;
  const ms = Number(value.seconds ?? 0) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
  return new Date(ms);
}

function toInput(call: tracking.TrackingCall, index: number): TrackingInput {
  const type = CALL_TYPES[call.type];
  if (!type) throw new InvalidTrackingCall(`calls[${index}] has no call type`);
  const receivedAt = toDate(call.receivedAt as WireTimestamp);
  const timestamp = toDate(call.timestamp as WireTimestamp) ?? receivedAt;
  if (!receivedAt || !timestamp) throw new InvalidTrackingCall(`calls[${index}] has no time received`);
  const optional = (value: string | undefined | null) => (value ? value : undefined);
  return {
    type,
    messageId: optional(call.messageId),
    userId: optional(call.userId),
    companyId: optional(call.companyId),
    event: optional(call.event),
    featureId: optional(call.featureId),
    // proto3 optional fields: proto-loader leaves absent ones undefined/null.
    score: call.score === null || call.score === undefined ? undefined : call.score,
    comment: call.comment === null || call.comment === undefined ? undefined : call.comment,
    question: optional(call.question),
    promptedQuestion: optional(call.promptedQuestion),
    promptId: optional(call.promptId),
    source: optional(call.source),
    feedbackId: optional(call.feedbackId),
    url: optional(call.url),
    path: optional(call.path),
    title: optional(call.title),
    referrer: optional(call.referrer),
    attributes: call.attributesJson || '{}',
    active: call.active !== false,
    timestamp,
  };
}
