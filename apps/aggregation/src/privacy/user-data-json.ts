import { decodeAttributes, EXPORT_EVENT_TYPE, TrackingCallRecord, UserProfileRecord } from '@exportd/records';
import { FeatureRule, ruleEvents } from '../company-usage/company-usage.metrics';
import { CompanyOfUser } from './user-data.repository';

/** A user's document as JSON text, one object per value (what UserDataChunk carries). Absent values are null. */

const iso = (value: Date | null | undefined): string | null => (value ? new Date(value).toISOString() : null);
const finite = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

export function encodeProfile(user: UserProfileRecord): string {
  return JSON.stringify({
    user_id: user.userId,
    first_seen: iso(user.firstSeen),
    last_seen: iso(user.lastSeen),
    attributes: decodeAttributes(user.attributes),
    company_ids: user.companyIds ?? [],
  });
}

/** A company of the user, without its user_ids (other users' ids). */
export function encodeCompany(company: CompanyOfUser): string {
  return JSON.stringify({
    company_id: company.companyId,
    first_seen: iso(company.firstSeen),
    last_seen: iso(company.lastSeen),
    attributes: decodeAttributes(company.attributes),
  });
}

const OPTIONAL_TEXTS = {
  question: 'question',
  prompted_question: 'promptedQuestion',
  prompt_id: 'promptId',
  source: 'source',
  feedback_id: 'feedbackId',
  url: 'url',
  path: 'path',
  title: 'title',
  referrer: 'referrer',
} as const;

function optionalTexts(call: TrackingCallRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, field] of Object.entries(OPTIONAL_TEXTS)) {
    const value = call[field];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** One raw call; its stored attributes are JSON text already and are spliced in as they are. */
export function encodeCall(call: TrackingCallRecord): string {
  const head = JSON.stringify({
    type: call.type,
    event_type: EXPORT_EVENT_TYPE[call.type] ?? null,
    event: call.event ?? null,
    company_id: call.companyId ?? null,
    company_ids: call.companyIds ?? [],
    timestamp: iso(call.timestamp),
    day: call.day ?? null,
    received_at: iso(call.receivedAt),
    message_id: call.messageId ?? null,
    feature_id: call.featureId ?? null,
    score: finite(call.score),
    comment: call.comment ?? null,
    // Present only on the calls that carry them (feedback of Bucket's SDK, page views).
    ...optionalTexts(call),
  });
  const attributes = call.attributes && call.attributes.length > 0 ? call.attributes : '{}';
  return `${head.slice(0, -1)},"attributes":${attributes}}`;
}

interface FeatureUse {
  feature: FeatureRule;
  events: number;
  firstUsed: number;
  lastUsed: number;
}

interface FeedbackGiven {
  featureId: string | null;
  score: number | null;
  comment: string | null;
  timestamp: string | null;
}

/**
 * The user's engagement, folded call by call while the calls stream: memory holds counts per event name and
 * per feature, and the user's feedback (one entry per feedback call), never the calls themselves.
 *
 * Features: a feature is used by the user when one of the user's event calls matches its event rule
 * (`ruleEvents`, the rule company usage reads). Features with a company attribute rule are left out: they
 * hold for a company, not for anything a user did.
 */
export class UserDataSummary {
  private calls = 0;
  private readonly events = new Map<string, number>();
  private readonly byEvent = new Map<string, FeatureRule[]>();
  private readonly names = new Map<string, string>();
  private readonly uses = new Map<string, FeatureUse>();
  private readonly feedback: FeedbackGiven[] = [];

  /** `features` in the order the summary lists them (by name, then id). */
  constructor(private readonly features: readonly FeatureRule[]) {
    for (const feature of features) {
      this.names.set(feature.id, feature.name);
      for (const event of ruleEvents(feature)) this.byEvent.set(event, [...(this.byEvent.get(event) ?? []), feature]);
    }
  }

  add(call: TrackingCallRecord): void {
    this.calls++;
    if (call.type === 'feedback') {
      this.feedback.push({
        featureId: call.featureId ?? null,
        score: finite(call.score),
        comment: call.comment ?? null,
        timestamp: iso(call.timestamp),
      });
      return;
    }
    if (call.type !== 'event' || typeof call.event !== 'string') return;
    this.events.set(call.event, (this.events.get(call.event) ?? 0) + 1);
    const at = new Date(call.timestamp).getTime();
    for (const feature of this.byEvent.get(call.event) ?? []) {
      const use = this.uses.get(feature.id);
      if (!use) this.uses.set(feature.id, { feature, events: 1, firstUsed: at, lastUsed: at });
      else {
        use.events++;
        use.firstUsed = Math.min(use.firstUsed, at);
        use.lastUsed = Math.max(use.lastUsed, at);
      }
    }
  }

  json(): string {
    const events = [...this.events].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify({
      calls: this.calls,
      // fromEntries defines own properties, so an event named `__proto__` is kept as a key.
      events: Object.fromEntries(events),
      features: this.features.flatMap((feature) => {
        const use = this.uses.get(feature.id);
        if (!use) return [];
        return [
          {
            feature_id: feature.id,
            feature_name: feature.name,
            events: use.events,
            first_used: new Date(use.firstUsed).toISOString(),
            last_used: new Date(use.lastUsed).toISOString(),
          },
        ];
      }),
      feedback: [...this.feedback]
        .sort((a, b) => ((a.timestamp ?? '') < (b.timestamp ?? '') ? -1 : (a.timestamp ?? '') > (b.timestamp ?? '') ? 1 : 0))
        .map((given) => ({
          feature_id: given.featureId,
          feature_name: given.featureId !== null ? (this.names.get(given.featureId) ?? null) : null,
          score: given.score,
          comment: given.comment,
          timestamp: given.timestamp,
        })),
    });
  }
}
