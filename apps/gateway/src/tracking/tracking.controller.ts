import { BadRequestException, Body, Controller, HttpCode, Inject, Param, PayloadTooLargeException, Post } from '@nestjs/common';
import { Clock } from '@exportd/runtime';
import { errorBody } from '../errors/http-error.filter';
import { TrackingBatcher } from './tracking.batcher';
import { TrackingKeyResolver } from './tracking-key.resolver';
import { CallKind, FieldProblem, summarize, validateBulk, validateCall } from './tracking-call.validation';
import { TRACKING_CONFIG, TrackingConfig } from './tracking.config';

/** The small body of every successful tracking call. */
export interface TrackingAccepted {
  success: true;
}

/**
 * The Tracking API (seed 001): `POST /{trackingKey}/{user|company|event|feedback}` and the `/bulk` extension.
 * JSON only (the body parser answers 415/413/400 for other content types, oversized or malformed bodies);
 * 200 `{"success":true}` once stored; 400 naming every wrong field; 401 for an unknown tracking key.
 * Bodies are checked by hand rather than by class-validator DTOs: numeric ids become strings, attribute keys
 * such as `__proto__` must survive, and this is the hottest path of the gateway.
 */
@Controller()
export class TrackingController {
  constructor(
    private readonly keys: TrackingKeyResolver,
    private readonly batcher: TrackingBatcher,
    private readonly clock: Clock,
    @Inject(TRACKING_CONFIG) private readonly config: TrackingConfig,
  ) {}

  @Post(':trackingKey/user')
  @HttpCode(200)
  user(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('user', trackingKey, body);
  }

  @Post(':trackingKey/company')
  @HttpCode(200)
  company(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('company', trackingKey, body);
  }

  /** The seed's introduction names the method `events` while its example posts to `event`: both work. */
  @Post([':trackingKey/event', ':trackingKey/events'])
  @HttpCode(200)
  event(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('event', trackingKey, body);
  }

  @Post(':trackingKey/feedback')
  @HttpCode(200)
  feedback(@Param('trackingKey') trackingKey: string, @Body() body: unknown): Promise<TrackingAccepted> {
    return this.single('feedback', trackingKey, body);
  }

  @Post(':trackingKey/bulk')
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
    const result = validateBulk(body, this.clock.now());
    if (!result.ok) throw invalid(result.problems);
    await this.batcher.store(app.id, result.calls);
    return { success: true, calls: result.calls.length };
  }

  private async single(kind: CallKind, trackingKey: string, body: unknown): Promise<TrackingAccepted> {
    const app = await this.keys.resolve(trackingKey);
    const result = validateCall(kind, body, this.clock.now());
    if (!result.ok) throw invalid(result.problems);
    await this.batcher.submit(app.id, [result.call]);
    return { success: true };
  }
}

function invalid(problems: FieldProblem[]): BadRequestException {
  return new BadRequestException(errorBody(400, 'invalid_request', summarize(problems), problems));
}
