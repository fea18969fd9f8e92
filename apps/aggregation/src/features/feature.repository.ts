import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

/** A feature's usage rule: one or more event names, or a company attribute that must equal a value. */
export interface FeatureRecord {
  _id: string;
  appId: string;
  name: string;
  /** Set when the rule is event based. */
  events?: string[] | null;
  /** Set when the rule is a company attribute condition; `equalsJson` is the JSON text of the value. */
  companyAttribute?: { key: string; equalsJson: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

const featureSchema = new Schema<FeatureRecord>(
  {
    _id: String,
    appId: String,
    name: String,
    events: { type: [String], default: undefined },
    companyAttribute: { type: new Schema({ key: String, equalsJson: String }, { _id: false }), default: undefined },
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'features' },
);

/**
 * The `features` collection (aggregation is its only writer).
 *
 * Concurrency: written only by the settings API (create, PATCH, DELETE), possibly on several aggregation
 * replicas at once. A feature is created by insert; a PATCH is one update that sets whole fields (a new rule
 * unsets the other kind) and reads nothing first, so concurrent PATCHes are last-writer-wins (per document
 * on FerretDB 1.24, which rewrites the whole document; per field on MongoDB) and no list or counter is ever
 * read-modified-written.
 */
@Injectable()
export class FeatureRepository implements OnModuleInit {
  private readonly features: Model<FeatureRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.features = connection.model('Feature', featureSchema);
  }

  async onModuleInit(): Promise<void> {
    await this.features.collection.createIndex({ appId: 1, name: 1 });
  }

  async insert(feature: FeatureRecord): Promise<void> {
    await this.features.create(feature);
  }

  find(appId: string, id: string): Promise<FeatureRecord | null> {
    return this.features.findOne({ _id: id, appId }).lean<FeatureRecord>().exec();
  }

  /** All features of an app, by name then id (the order rows are written in). */
  list(appId: string): Promise<FeatureRecord[]> {
    return this.features.find({ appId }).sort({ name: 1, _id: 1 }).lean<FeatureRecord[]>().exec();
  }

  /** Sets and unsets whole fields; nothing read first. Null when the app has no such feature. */
  update(
    appId: string,
    id: string,
    set: Partial<Pick<FeatureRecord, 'name' | 'events' | 'companyAttribute' | 'updatedAt'>>,
    unset: ('events' | 'companyAttribute')[],
  ): Promise<FeatureRecord | null> {
    const update = unset.length > 0 ? { $set: set, $unset: Object.fromEntries(unset.map((f) => [f, 1])) } : { $set: set };
    return this.features.findOneAndUpdate({ _id: id, appId }, update, { new: true }).lean<FeatureRecord>().exec();
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const result = await this.features.deleteOne({ _id: id, appId }).exec();
    return result.deletedCount === 1;
  }
}
