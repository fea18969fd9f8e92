import { Injectable } from '@nestjs/common';
import { Clock, newId } from '@exportd/runtime';
import { FeatureRecord, FeatureRepository } from './feature.repository';
import { FeatureNotFound, InvalidFeature } from './features.errors';

/** What a caller sends to create or change a feature; absent parts stay as they are on update. */
export interface FeatureInput {
  name?: string;
  events?: string[];
  companyAttribute?: { key: string; equalsJson: string };
}

const MAX_NAME = 200;
const MAX_EVENTS = 100;

/** Features per app: a name and a usage rule (events, or a company attribute condition). */
@Injectable()
export class FeaturesService {
  constructor(
    private readonly repository: FeatureRepository,
    private readonly clock: Clock,
  ) {}

  async create(appId: string, input: FeatureInput): Promise<FeatureRecord> {
    const now = this.clock.now();
    const feature: FeatureRecord = {
      _id: newId('feat'),
      appId,
      name: '',
      createdAt: now,
      updatedAt: now,
      ...changesOf(input, true).set,
    };
    await this.repository.insert(feature);
    return feature;
  }

  async get(appId: string, id: string): Promise<FeatureRecord> {
    const feature = await this.repository.find(appId, id);
    if (!feature) throw new FeatureNotFound(id);
    return feature;
  }

  list(appId: string): Promise<FeatureRecord[]> {
    return this.repository.list(appId);
  }

  /**
   * Sets the fields given, without reading the feature first: a rule given replaces the other kind of rule
   * (unset whatever was there), so concurrent PATCHes are last-writer-wins and never leave two rules.
   */
  async update(appId: string, id: string, input: FeatureInput): Promise<FeatureRecord> {
    const { set, unset } = changesOf(input, false);
    const saved = await this.repository.update(appId, id, { ...set, updatedAt: this.clock.now() }, unset);
    if (!saved) throw new FeatureNotFound(id);
    return saved;
  }

  async delete(appId: string, id: string): Promise<void> {
    if (!(await this.repository.delete(appId, id))) throw new FeatureNotFound(id);
  }
}

type FeatureChanges = Partial<Pick<FeatureRecord, 'name' | 'events' | 'companyAttribute'>>;

/** The fields `input` sets, checked, and the rule field it clears. */
function changesOf(input: FeatureInput, creating: boolean): { set: FeatureChanges; unset: ('events' | 'companyAttribute')[] } {
  const set: FeatureChanges = {};
  if (input.name !== undefined || creating) {
    const name = (input.name ?? '').trim();
    if (!name || name.length > MAX_NAME) throw new InvalidFeature(`name must be 1 to ${MAX_NAME} characters`);
    set.name = name;
  }
  const hasEvents = input.events !== undefined && input.events.length > 0;
  const hasAttribute = input.companyAttribute !== undefined;
  if (hasEvents && hasAttribute) throw new InvalidFeature('give either events or companyAttribute, not both');
  if (creating && !hasEvents && !hasAttribute) throw new InvalidFeature('a feature needs events or a companyAttribute');
  if (hasEvents) {
    const events = [...new Set((input.events ?? []).map((e) => e.trim()))];
    if (events.some((e) => !e) || events.length > MAX_EVENTS) {
      throw new InvalidFeature(`events must be 1 to ${MAX_EVENTS} non-empty event names`);
    }
    set.events = events;
    return { set, unset: ['companyAttribute'] };
  }
  if (hasAttribute && input.companyAttribute) {
    const { key, equalsJson } = input.companyAttribute;
    if (!key.trim()) throw new InvalidFeature('companyAttribute.key must not be empty');
    try {
      JSON.parse(equalsJson);
    } catch {
      throw new InvalidFeature('companyAttribute.equals must be a JSON value');
    }
    set.companyAttribute = { key, equalsJson };
    return { set, unset: ['events'] };
  }
  return { set, unset: [] };
}
