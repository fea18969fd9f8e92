import { Injectable } from '@nestjs/common';
import { decodeAttributes, JsonText, utcDay } from '@exportd/records';
import { Clock } from '@exportd/runtime';
import { FeatureRecord } from '../features/feature.repository';
import { FeaturesService } from '../features/features.service';
import { SegmentsService } from '../segments/segments.service';
import { InvalidHistory } from './company-usage.errors';
import {
  CompanyData,
  CompanyFeatureRow,
  companyRows,
  dayNumber,
  dayNumberOf,
  dayString,
  FeatureRule,
  History,
  HISTORY_OPTIONS,
  historyDates,
  SegmentRule,
} from './company-usage.metrics';
import { CompanyRecords, CompanyScope, CompanyUsageRepository } from './company-usage.repository';
import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';

export { COMPANY_FEATURE_COLUMNS };

export const DEFAULT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 5_000;

/**
 * A row as one export record keyed by the column names above, in column order (what RowBatch.rows_json
 * carries for DATA_TYPE_COMPANY_FEATURES): nulls stay null, lists are comma-joined text.
 */
export function companyFeatureRecord(
  row: CompanyFeatureRow,
): Record<(typeof COMPANY_FEATURE_COLUMNS)[number], string | number | null> {
  return {
    'Company ID': row.companyId,
    'Company Name': row.companyName,
    'Feature Name': row.featureName,
    'Feature ID': row.featureId,
    Date: row.date,
    'First Seen': row.firstSeen,
    'Last Seen': row.lastSeen,
    'First Used': row.firstUsed,
    'Last Used': row.lastUsed,
    'STARS State Label': row.starsStateLabel,
    'STARS State': row.starsState,
    'Frequency Label': row.frequencyLabel,
    Frequency: row.frequency,
    'Satisfaction Label': row.satisfactionLabel,
    Satisfaction: row.satisfaction,
    'Feedback Count': row.feedbackCount,
    'Segment Names': row.segmentNames.join(','),
    'Segment IDs': row.segmentIds.join(','),
  };
}

export function isHistory(value: string): value is History {
  return (HISTORY_OPTIONS as readonly string[]).includes(value);
}

/**
 * Company-by-feature rows of an app for a list of dates: one row per company, date and feature (companies by
 * id, then dates oldest first, then features by name), each row as of its date. Computed company by company
 * from the daily counters, streamed out in batches; memory does not grow with the number of companies.
 */
@Injectable()
export class CompanyUsageService {
  constructor(
    private readonly repository: CompanyUsageRepository,
    private readonly features: FeaturesService,
    private readonly segments: SegmentsService,
    private readonly clock: Clock,
  ) {}

  /** The row dates (YYYY-MM-DD, oldest first) of a history option as of now. */
  dates(history: string): string[] {
    if (!isHistory(history)) throw new InvalidHistory(history);
    return historyDates(history, dayNumberOf(this.clock.now())).map(dayString);
  }

  /**
   * The rows of the scope's companies for `dates` (YYYY-MM-DD, ascending), in batches of `batchSize` (hundreds
   * by default). Nothing is read until the first batch is asked for.
   */
  streamRows(
    appId: string,
    dates: readonly string[],
    scope: CompanyScope = {},
    batchSize = DEFAULT_BATCH_SIZE,
  ): AsyncIterable<CompanyFeatureRow[]> {
    const size = Math.min(Math.max(batchSize > 0 ? batchSize : DEFAULT_BATCH_SIZE, 1), MAX_BATCH_SIZE);
    return this.generate(appId, dates.map(dayNumber), scope, size);
  }

  private async *generate(
    appId: string,
    dates: number[],
    scope: CompanyScope,
    batchSize: number,
  ): AsyncGenerator<CompanyFeatureRow[]> {
    if (dates.length === 0 || scope.only?.length === 0) return;
    const features = (await this.features.list(appId)).map(featureRule);
    const segments: SegmentRule[] = await this.segments.rules(appId);
    if (features.length === 0) return;
    const lastDay = dayString(dates[dates.length - 1] as number);
    let batch: CompanyFeatureRow[] = [];
    for await (const records of this.repository.companies(appId, lastDay, scope)) {
      for (const row of companyRows(toCompanyData(records), features, segments, dates)) {
        batch.push(row);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/** A stored feature as the metrics read its rule. */
export function featureRule(feature: FeatureRecord): FeatureRule {
  return {
    id: feature._id,
    name: feature.name,
    events: feature.events,
    companyAttribute: feature.companyAttribute
      ? { key: feature.companyAttribute.key, equals: JSON.parse(feature.companyAttribute.equalsJson) as unknown }
      : null,
  };
}

function toCompanyData(records: CompanyRecords): CompanyData {
  const eventDays = new Map<string, number[]>();
  for (const usage of records.usage) {
    const days = eventDays.get(usage.event);
    const day = dayNumber(usage.day);
    if (days) days.push(day);
    else eventDays.set(usage.event, [day]);
  }
  for (const days of eventDays.values()) {
    days.sort((a, b) => a - b);
    dedupeSorted(days);
  }
  const name = records.profile.attributes?.name;
  return {
    companyId: records.profile.companyId,
    name: typeof name === 'string' ? textOf(name) : null,
    firstSeenDay: dayNumber(utcDay(new Date(records.profile.firstSeen))),
    lastSeenDay: records.profile.lastSeen ? dayNumber(utcDay(new Date(records.profile.lastSeen))) : null,
    eventDays,
    attributes: records.attributes
      .map((row) => ({ day: dayNumber(row.day), values: parseObject(row.attributes) }))
      .sort((a, b) => a.day - b.day),
    feedback: records.feedback
      .filter((row) => typeof row.featureId === 'string')
      .map((row) => ({
        featureId: row.featureId as string,
        day: dayNumber(row.day),
        time: new Date(row.timestamp).getTime(),
        score: typeof row.score === 'number' ? row.score : null,
      }))
      .sort((a, b) => a.time - b.time),
  };
}

function dedupeSorted(days: number[]): void {
  let write = 0;
  for (let read = 0; read < days.length; read++) {
    if (read === 0 || days[read] !== days[write - 1]) days[write++] = days[read] as number;
  }
  days.length = write;
}

/** The profile keeps each attribute as JSON text; a name is a JSON string (anything else: shown as its text). */
function textOf(json: JsonText): string | null {
  const value = decodeAttributes({ name: json }).name;
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseObject(json: JsonText): Record<string, unknown> {
  const value = JSON.parse(json) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  // Null prototype, so an attribute named __proto__ is just a key.
  return Object.assign(Object.create(null) as Record<string, unknown>, value);
}
