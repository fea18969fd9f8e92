import { Controller } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { SegmentRecord } from './segment.repository';
import { SegmentsService } from './segments.service';

/** analytics.v1.SegmentsService: proto <-> domain, nothing else. */
@Controller()
@analytics.SegmentsServiceControllerMethods()
export class SegmentsController implements analytics.SegmentsServiceController {
  constructor(private readonly segments: SegmentsService) {}

  async createSegment(request: analytics.CreateSegmentRequest): Promise<analytics.SegmentResponse> {
    const segment = request.segment;
    return {
      segment: toProto(await this.segments.create(request.appId, { name: segment?.name ?? '', filter: segment?.filter ?? '' })),
    };
  }

  async getSegment(request: analytics.GetSegmentRequest): Promise<analytics.SegmentResponse> {
    return { segment: toProto(await this.segments.get(request.appId, request.id)) };
  }

  async listSegments(request: analytics.ListSegmentsRequest): Promise<analytics.ListSegmentsResponse> {
    return { segments: (await this.segments.list(request.appId)).map(toProto) };
  }

  /** Empty name or filter means "unchanged". */
  async updateSegment(request: analytics.UpdateSegmentRequest): Promise<analytics.SegmentResponse> {
    const segment = request.segment;
    const updated = await this.segments.update(request.appId, segment?.id ?? '', {
      name: segment?.name || undefined,
      filter: segment?.filter || undefined,
    });
    return { segment: toProto(updated) };
  }

  async deleteSegment(request: analytics.DeleteSegmentRequest): Promise<analytics.DeleteResponse> {
    await this.segments.delete(request.appId, request.id);
    return {};
  }
}

function toProto(segment: SegmentRecord): analytics.Segment {
  return {
    id: segment._id,
    name: segment.name,
    filter: segment.filter,
    createdAt: segment.createdAt,
    updatedAt: segment.updatedAt,
  };
}
