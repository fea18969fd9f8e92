import { BadRequestException, Body, Controller, HttpCode, Inject, Param, PayloadTooLargeException, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Clock } from '@exportd/runtime';
import { errorBody } from '../errors/http-error.filter';
import { TrackingRateLimiter } from '../rate-limit/rate-limiters';
import { TrackingBatcher } from './tracking.batcher';
import { TrackingKeyResolver } from './tracking-key.resolver';
import { assignFeedbackId, CallKind, FieldProblem, summarize, validateBulk, validateCall } from './tracking-call.validation';
import { TRACKING_CONFIG, TrackingConfig } from './tracking.config';
import {
  BulkCallDocs,
  CompanyCallDocs,
  EventCallDocs,
  FeedbackAcceptedDocs,
  FeedbackCallDocs,
  PageCallDocs,
  TrackingCallDocs,
  UserCallDocs,
} from './tracking.docs';

/** The small body of every successful tracking call. */
export interface TrackingAccepted {
  success: true;
}

/** The answer of a feedback call: the feedback's id (the client's or an assigned one), for later updates. */
export interface FeedbackAccepted extends TrackingAccepted {
  feedbackId: string;
}

/**
 * The Tracking API (seed 001): `POST /{trackingKey}/{user|company|event|feedback}`, page views
 * (`/{trackingKey}/page`) and the `/bulk` extension. JSON only (the body parser answers 415/413/400 for other
 * content types, oversized or malformed bodies); 200 `{"success":true}` once stored (feedback also answers its
 * `feedbackId`); 400 naming every wrong field; 401 for an unknown tracking key; 429 over the tracking key's
 * rate limit (checked once the key is known, before anything is validated or stored; a bulk request counts
 * its calls).
 * Bodies are checked by hand rather than by class-validator DTOs: numeric ids become strings, attribute keys
 * such as `__proto__` must survive, and this is the hottest path of the gateway.
 */
@ApiTags('Tracking')
@Controller()
export class TrackingController {
  constructor(
    private readonly keys: TrackingKeyResolver,
    private readonly batcher: TrackingBatcher,
    private readonly clock: Clock,
    @Inject(TRACKING_CONFIG) private readonly config: TrackingConfig,
    private readonly limits: TrackingRateLimiter,
  ) {}

  @Post(':trackingKey/user')
  @ApiOperation({ summary: 'Identify a user', description: 'A user call: the user and its attributes.' })
  @TrackingCallDocs(UserCallDocs)
  @HttpCode(200)
  user(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('user', trackingKey, body);
  }

  @Post(':trackingKey/company')
  @ApiOperation({
    summary: 'Identify a company',
    description: 'A company call: the company and its attributes; with `userId`, the user is associated with the company.',
  })
  @TrackingCallDocs(CompanyCallDocs)
  @HttpCode(200)
  company(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('company', trackingKey, body);
  }

  /** The seed's introduction names the method `events` while its example posts to `event`: both work. */
  @Post([':trackingKey/event', ':trackingKey/events'])
  @ApiOperation({ summary: 'Track an event', description: 'An event call (`/event` and `/events` are the same route).' })
  @TrackingCallDocs(EventCallDocs)
  @HttpCode(200)
  event(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('event', trackingKey, body);
  }

  /** A feedbackId sent before updates that feedback (see assignFeedbackId and ingestion's TrackingService). */
  @Post(':trackingKey/feedback')
  @ApiOperation({
    summary: 'Send feedback',
    description:
      'A feedback call (score and/or comment on a feature). Answers the `feedbackId`: a later call with it updates that feedback.',
  })
  @TrackingCallDocs(FeedbackCallDocs, FeedbackAcceptedDocs)
  @HttpCode(200)
  async feedback(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<FeedbackAccepted> {
    const feedbackId = await this.store('feedback', trackingKey, body);
    return { success: true, feedbackId };
  }

  /** A page (or screen) view: `{userId, url, path, title, referrer, companyId, attributes, context, timestamp, messageId}`. */
  @Post(':trackingKey/page')
  @ApiOperation({ summary: 'Track a page view', description: 'A page (or screen) view: `page_view` in exports.' })
  @TrackingCallDocs(PageCallDocs)
  @HttpCode(200)
  page(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('page', trackingKey, body);
  }

  @Post(':trackingKey/bulk')
  @ApiOperation({
    summary: 'Send calls in bulk',
    description: 'Mixed calls in one request (at most 2,500 calls, 500 KB), stored all or nothing.',
  })
  @BulkCallDocs()
  @HttpCode(200)
  async bulk(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted & { calls: number }> {
    const app = await this.keys.resolve(trackingKey);
    if (Array.isArray(body) && body.length > this.config.TRACKING_MAX_BULK_CALLS) {
      throw new PayloadTooLargeException(
        errorBody(
          413,
          'too_many_calls',
          `a bulk request holds at most ${this.config.TRACKING_MAX_BULK_CALLS} calls, got ${body.length}`,
        ),
      );
    }
    this.limits.take(trackingKey, Array.isArray(body) ? body.length : 1);
    const result = validateBulk(body, this.clock.now());
    if (!result.ok) throw invalid(result.problems);
    result.calls.forEach(assignFeedbackId);
    await this.batcher.store(app.id, result.calls);
    return { success: true, calls: result.calls.length };
  }

  private async single(kind: CallKind, trackingKey: string, body: unknown): Promise<TrackingAccepted> {
    await this.store(kind, trackingKey, body);
    return { success: true };
  }

  /** Stores one call; answers the feedbackId of a feedback call ('' for the others). */
  private async store(kind: CallKind, trackingKey: string, body: unknown): Promise<string> {
    const app = await this.keys.resolve(trackingKey);
    this.limits.take(trackingKey, 1);
    const result = validateCall(kind, body, this.clock.now());
    if (!result.ok) throw invalid(result.problems);
    const feedbackId = assignFeedbackId(result.call);
    await this.batcher.submit(app.id, [result.call]);
    return feedbackId;
  }
}

function invalid(problems: FieldProblem[]): BadRequestException {
  return new BadRequestException(errorBody(400, 'invalid_request', summarize(problems), problems));
}
