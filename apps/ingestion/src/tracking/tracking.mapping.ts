import { escapeAttributeKey, TrackingCallRecord, usageDayEntry } from '@exportd/records';
import { ProfileChange, UsageDaysChange, UsageIncrement } from './tracking.repository';

/** Attributes of a call as escaped key -> JSON text of the value. */
export function escapedAttributes(json: string): Record<string, string> {
  const parsed = JSON.parse(json) as unknown;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
  for (const [key, value] of Object.entries(parsed)) out[escapeAttributeKey(key)] = JSON.stringify(value);
  return out;
}

/** The effect of the calls on profiles, merged per user and per company (calls in batch order). */
export function profileChanges(records: TrackingCallRecord[]): { users: ProfileChange[]; companies: ProfileChange[] } {
  const users = new Map<string, ProfileChange>();
  const companies = new Map<string, ProfileChange>();
  const touch = (map: Map<string, ProfileChange>, id: string, r: TrackingCallRecord): ProfileChange => {
    let change = map.get(id);
    if (!change) {
      change = { id, firstSeen: r.timestamp, attributes: Object.create(null) as Record<string, string>, links: [] };
      map.set(id, change);
    }
    if (r.timestamp < change.firstSeen) change.firstSeen = r.timestamp;
    if (r.active && (!change.lastSeen || r.timestamp > change.lastSeen)) change.lastSeen = r.timestamp;
    return change;
  };
  const link = (change: ProfileChange, id: string) => {
    if (!change.links.includes(id)) change.links.push(id);
  };
  for (const r of records) {
    switch (r.type) {
      case 'user':
        Object.assign(touch(users, r.userId as string, r).attributes, escapedAttributes(r.attributes));
        break;
      case 'company': {
        const company = touch(companies, r.companyId as string, r);
        Object.assign(company.attributes, escapedAttributes(r.attributes));
        if (r.userId) {
          link(company, r.userId);
          link(touch(users, r.userId, r), r.companyId as string);
        }
        break;
      }
      // A page view is activity of the user (last seen), as an event is; only events count as feature usage.
      case 'event':
      case 'page':
        touch(users, r.userId as string, r);
        for (const companyId of r.companyIds) touch(companies, companyId, r);
        break;
      case 'feedback':
        break;
    }
  }
  return { users: [...users.values()], companies: [...companies.values()] };
}

/** Per company, event and day: how many new event calls. */
export function usageIncrements(records: TrackingCallRecord[]): UsageIncrement[] {
  const counts = new Map<string, UsageIncrement>();
  for (const r of records) {
    if (r.type !== 'event' || !r.event) continue;
    for (const companyId of r.companyIds) {
      const key = JSON.stringify([companyId, r.event, r.day]);
      const entry = counts.get(key);
      if (entry) entry.count += 1;
      else counts.set(key, { companyId, event: r.event, day: r.day, count: 1 });
    }
  }
  return [...counts.values()];
}

/** Per company: the usage days entries of its counters incremented by these increments. */
export function usageDaysChanges(increments: UsageIncrement[]): UsageDaysChange[] {
  const byCompany = new Map<string, Set<string>>();
  for (const i of increments) {
    const days = byCompany.get(i.companyId) ?? new Set<string>();
    byCompany.set(i.companyId, days.add(usageDayEntry(i.day, i.event)));
  }
  return [...byCompany].map(([companyId, days]) => ({ companyId, days: [...days] }));
}

/** Per company: the days of its company calls (their merged attributes are recorded for those days). */
export function companyAttributeDays(records: TrackingCallRecord[]): Map<string, Set<string>> {
  const days = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.type !== 'company' || !r.companyId) continue;
    days.set(r.companyId, (days.get(r.companyId) ?? new Set<string>()).add(r.day));
  }
  return days;
}
