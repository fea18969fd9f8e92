import { Injectable } from '@nestjs/common';
import { LookupsService } from '../rows/lookups.service';
import { AttributeKey, attributeDimensions, Dimension, DimensionTable, findDimension, STATIC_DIMENSIONS } from './dimensions';
import { DimensionNotFound } from './dimensions.errors';

/** The lookups that sample attribute keys (each reads at most LOOKUP_SAMPLE recent documents), by table. */
const ATTRIBUTE_LOOKUPS: readonly { table: DimensionTable; lookup: string }[] = [
  { table: 'events', lookup: 'events_properties' },
  { table: 'users', lookup: 'user_properties' },
  { table: 'companies', lookup: 'company_properties' },
];

/** The most keys one lookup contributes (its largest page): the catalogue stays bounded whatever the data. */
export const MAX_ATTRIBUTE_KEYS_PER_TABLE = 500;

/**
 * An app's dimensions: the static columns of every table, then the attribute keys seen in a sample of its
 * events, users and companies (feedback attributes are not sampled).
 */
@Injectable()
export class DimensionsService {
  constructor(private readonly lookups: LookupsService) {}

  async list(appId: string): Promise<Dimension[]> {
    return [...STATIC_DIMENSIONS, ...attributeDimensions(await this.attributeKeys(appId))];
  }

  async get(appId: string, apiName: string): Promise<Dimension> {
    // A static dimension needs no sample of the data.
    const dimension = findDimension(STATIC_DIMENSIONS, apiName) ?? findDimension(await this.list(appId), apiName);
    if (!dimension) throw new DimensionNotFound(apiName);
    return dimension;
  }

  private async attributeKeys(appId: string): Promise<AttributeKey[]> {
    const pages = await Promise.all(
      ATTRIBUTE_LOOKUPS.map(async ({ table, lookup }) => {
        const page = await this.lookups.lookup(appId, lookup, '', MAX_ATTRIBUTE_KEYS_PER_TABLE);
        return page.items.map((item) => {
          const { key, data_type } = item as { key: string; data_type: string };
          return { table, key, dataType: data_type };
        });
      }),
    );
    return pages.flat();
  }
}
