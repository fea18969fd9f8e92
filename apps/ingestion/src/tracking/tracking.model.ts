import { CallType } from '@exportd/records';

/** One validated tracking call, as the service receives it (the gateway checked the fields). */
export interface TrackingInput {
  type: CallType;
  messageId?: string;
  userId?: string;
  companyId?: string;
  event?: string;
  featureId?: string;
  score?: number;
  comment?: string;
  question?: string;
  promptedQuestion?: string;
  promptId?: string;
  source?: string;
  feedbackId?: string;
  url?: string;
  path?: string;
  title?: string;
  referrer?: string;
  /** JSON text of the attributes object. */
  attributes: string;
  active: boolean;
  /** When it happened: the client's timestamp, or when the gateway received it. */
  timestamp: Date;
}

export interface TrackResult {
  stored: number;
  duplicates: number;
  /** Calls of suppressed users: answered as success, not stored. */
  suppressed: number;
}
