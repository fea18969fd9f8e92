import { RowFilter } from './generated/analytics/v1/analytics';
import { CallType, TrackingCall } from './generated/tracking/v1/tracking';

/**
 * Complete request messages from the fields a caller sets: ts-proto types every scalar and list field as
 * required, so a caller would otherwise spell out every empty one.
 */
export function rowFilter(fields: Partial<RowFilter> = {}): RowFilter {
  return {
    fromDay: '',
    toDay: '',
    eventTypes: [],
    userIds: [],
    companyIds: [],
    segmentId: '',
    applyExclusions: false,
    expressions: [],
    history: '',
    ...fields,
  };
}

/** A tracking call with every text field empty but those given (`type` required). */
export function trackingCall(fields: Partial<TrackingCall> & { type: CallType }): TrackingCall {
  return {
    userId: '',
    companyId: '',
    event: '',
    featureId: '',
    attributesJson: '{}',
    url: '',
    path: '',
    title: '',
    referrer: '',
    question: '',
    promptedQuestion: '',
    promptId: '',
    source: '',
    feedbackId: '',
    ...fields,
  };
}
