import { RowFilter } from './generated/analytics/v1/analytics';

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
