import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

export interface NamedFilterRecord {
  /** `<appId>|<name>`: the name is unique per app by this key. */
  _id: string;
  appId: string;
  name: string;
  displayName: string;
  /** Filter-language text; may refer to other named filters as `$NAME`. */
  filter: string;
  createdAt: Date;
  updatedAt: Date;
}

const namedFilterSchema = new Schema<NamedFilterRecord>(
  { _id: String, appId: String, name: String, displayName: String, filter: String, createdAt: Date, updatedAt: Date },
  { versionKey: false, collection: 'named_filters' },
);

/**
 * The `named_filters` collection (aggregation is its only writer). Created by unique insert (`_id` holds
 * the app and the name, so two concurrent creates of one name give one 201 and one 409); a PUT is one $set
 * of whole fields that reads nothing first (last writer wins).
 */
@Injectable()
export class NamedFilterRepository implements OnModuleInit {
  private readonly filters: Model<NamedFilterRecord>;

  constructor(@InjectConnection() private readonly connection: Connection) {
    this.filters = connection.model('NamedFilter', namedFilterSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.filters.collection.createIndex({ appId: 1, name: 1 });
  }

  /** Inserts; false when the app already has a filter of that name. */
  async insert(record: NamedFilterRecord): Promise<boolean> {
    try {
      await this.filters.create(record);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  find(appId: string, name: string): Promise<NamedFilterRecord | null> {
    return this.filters
      .findOne({ _id: `${appId}|${name}`, appId })
      .lean<NamedFilterRecord>()
      .exec();
  }

  /** All named filters of an app, by name. */
  list(appId: string): Promise<NamedFilterRecord[]> {
    return this.filters.find({ appId }).sort({ name: 1 }).lean<NamedFilterRecord[]>().exec();
  }

  update(
    appId: string,
    name: string,
    changes: Pick<NamedFilterRecord, 'displayName' | 'filter' | 'updatedAt'>,
  ): Promise<NamedFilterRecord | null> {
    return this.filters
      .findOneAndUpdate({ _id: `${appId}|${name}`, appId }, { $set: changes }, { new: true })
      .lean<NamedFilterRecord>()
      .exec();
  }

  async delete(appId: string, name: string): Promise<boolean> {
    const result = await this.filters.deleteOne({ _id: `${appId}|${name}`, appId }).exec();
    return result.deletedCount === 1;
  }

  /** The app's segments (id, name, filter), read to find those that refer to a named filter. */
  async segmentFilters(appId: string): Promise<{ id: string; name: string; filter: string }[]> {
    const segments = await this.connection
      .collection<{ _id: string; name: string; filter: string }>('segments')
      .find({ appId }, { projection: { name: 1, filter: 1 } })
      .toArray();
    return segments.map((s) => ({ id: s._id, name: s.name, filter: s.filter }));
  }
}
