import { BadRequestException, Body, Controller, Headers, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import { tenancy } from '@exportd/contracts';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Clock } from '@exportd/runtime';
import { errorBody } from '../errors/http-error.filter';
import { TrackingRateLimiter } from '../rate-limit/rate-limiters';
import { TrackingBatcher } from '../tracking/tracking.batcher';
import { TrackingKeyResolver } from '../tracking/tracking-key.resolver';
import { aliasNotSupported, mapSegmentBatch, mapSegmentCall, SegmentCallType, SegmentProblem } from './segment-call.mapper';
import { writeKeyOf } from './segment-write-key';
import {
  SegmentAliasDocs,
  SegmentBatchDocs,
  SegmentCallDocs,
  SegmentGroupDocs,
  SegmentIdentifyDocs,
  SegmentPageDocs,
  SegmentTrackDocs,
} from './segment.docs';

/** What Segment's HTTP API answers a call it accepted. */
export interface SegmentAccepted {
  success: true;
}

/**
 * Segment's HTTP Tracking API (`POST /v1/{batch|track|identify|group|page|screen|alias}`), so Segment's
 * libraries (and the many clients that speak its protocol) send to this platform: point their host at the
 * gateway and use the app's tracking key as the write key. Calls are mapped by segment-call.mapper.ts and
 * stored through the TrackingBatcher like the Tracking API's: 200 `{"success":true}` once stored (a batch is one
 * store, a single call is gathered with others arriving at the same moment); 400 naming every wrong field of
 * every item (nothing stored); 401 for a missing or unknown write key; `alias` is 400 (not supported).
 * Body sizes (32 KB a call, 500 KB a batch) are checked before parsing, see segment-body-limits.ts.
 */
@ApiTags('Segment-compatible tracking')
@Controller('v1')
export class SegmentController {
  constructor(
    private readonly keys: TrackingKeyResolver,
    private readonly batcher: TrackingBatcher,
    private readonly limits: TrackingRateLimiter,
    private readonly clock: Clock,
  ) {}

  @Post('batch')
  @ApiOperation({
    summary: 'Send a batch of Segment calls',
    description: "Segment's batch: all or nothing; the batch's context and integrations apply to each item.",
  })
  @SegmentCallDocs(SegmentBatchDocs)
  @HttpCode(200)
  async batch(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<SegmentAccepted> {
    const receivedAt = this.clock.now();
    const { app, writeKey } = await this.authenticate(authorization, body);
    const mapped = mapSegmentBatch(body, receivedAt);
    if (!mapped.ok) throw refused(mapped);
    // The tracking key's rate limit, before anything is stored (a batch costs its calls).
    this.limits.take(writeKey, mapped.calls.length);
    if (mapped.calls.length > 0) await this.batcher.store(app.id, mapped.calls);
    return { success: true };
  }

  @Post('identify')
  @ApiOperation({ summary: 'Segment identify', description: 'A user call: `traits` are the attributes.' })
  @SegmentCallDocs(SegmentIdentifyDocs)
  @HttpCode(200)
  identify(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<SegmentAccepted> {
    return this.single('identify', authorization, body);
  }

  @Post('group')
  @ApiOperation({ summary: 'Segment group', description: 'A company call: `groupId` is the company, the user its user.' })
  @SegmentCallDocs(SegmentGroupDocs)
  @HttpCode(200)
  group(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<SegmentAccepted> {
    return this.single('group', authorization, body);
  }

  @Post('track')
  @ApiOperation({
    summary: 'Segment track',
    description: 'An event call: `properties` are the attributes, `context.groupId` the company.',
  })
  @SegmentCallDocs(SegmentTrackDocs)
  @HttpCode(200)
  track(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<SegmentAccepted> {
    return this.single('track', authorization, body);
  }

  @Post('page')
  @ApiOperation({
    summary: 'Segment page',
    description: 'A page view (`url`, `path`, `title`, `referrer` from properties or context.page).',
  })
  @SegmentCallDocs(SegmentPageDocs)
  @HttpCode(200)
  page(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<SegmentAccepted> {
    return this.single('page', authorization, body);
  }

  @Post('screen')
  @ApiOperation({ summary: 'Segment screen', description: 'A page view; the `name` is the title.' })
  @SegmentCallDocs(SegmentPageDocs)
  @HttpCode(200)
  screen(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<SegmentAccepted> {
    return this.single('screen', authorization, body);
  }

  /** Authenticated like the others (401 first), then refused: identities are not merged here. */
  @Post('alias')
  @ApiOperation({
    summary: 'Segment alias (not supported)',
    description: 'Always refused: this platform does not merge user identities.',
  })
  @SegmentCallDocs(SegmentAliasDocs, true)
  @HttpCode(200)
  async alias(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<SegmentAccepted> {
    await this.authenticate(authorization, body);
    throw refused(aliasNotSupported());
  }

  private async single(type: SegmentCallType, authorization: string | undefined, body: unknown): Promise<SegmentAccepted> {
    const receivedAt = this.clock.now();
    const { app, writeKey } = await this.authenticate(authorization, body);
    const mapped = mapSegmentCall(type, body, receivedAt);
    if (!mapped.ok) throw refused(mapped);
    this.limits.take(writeKey, 1);
    await this.batcher.submit(app.id, mapped.calls);
    return { success: true };
  }

  private async authenticate(authorization: string | undefined, body: unknown): Promise<{ app: tenancy.App; writeKey: string }> {
    const writeKey = writeKeyOf(authorization, body);
    if (writeKey === undefined) {
      throw new UnauthorizedException(
        errorBody(
          401,
          'unauthenticated',
          'a write key is required: the app\'s tracking key as "Authorization: Basic base64(<key>:)" or as writeKey in the body',
        ),
      );
    }
    try {
      return { app: await this.keys.resolve(writeKey), writeKey };
    } catch (error) {
      if (error instanceof UnauthorizedException) {
        throw new UnauthorizedException(
          errorBody(401, 'invalid_tracking_key', "unknown write key: use the app's tracking key as the Segment write key"),
        );
      }
      throw error;
    }
  }
}

/** Segment answers 400 to every refused request, a too large one included. */
function refused(problem: SegmentProblem): BadRequestException {
  return new BadRequestException(errorBody(400, problem.code, problem.message, problem.problems));
}
