import { Injectable, OnModuleInit } from '@nestjs/common';
import { CompanyProfileRecord, decodeAttributes, RAW_COLLECTIONS } from '@exportd/records';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

export interface SegmentRecord {
  _id: string;
  appId: string;
  name: string;
  /** Filter-language text over company attributes (see @exportd/filter). */
  filter: string;
  createdAt: Date;
  updatedAt: Date;
}

const segmentSchema = new Schema<SegmentRecord>(
  { _id: String, appId: String, name: String, filter: String, createdAt: Date, updatedAt: Date },
  { versionKey: false, collection: 'segments' },
);

/**
 * The `segments` collection (aggregation is its only writer).
 *
 * Concurrency: written only by the settings API (create, PATCH, DELETE), possibly on several aggregation
 * replicas at once. A PATCH is one $set of whole fields (name, filter) that reads nothing first, so
 * concurrent PATCHes are last-writer-wins (per document on FerretDB 1.24, per field on MongoDB).
 */
@Injectable()
export class SegmentRepository implements OnModuleInit {
  private readonly segments: Model<SegmentRecord>;

  constructor(@InjectConnection() private readonly connection: Connection) {
    this.segments = connection.model('Segment', segmentSchema);
  }

  /** Each company of the app with its current attributes (read-only, from ingestion's profiles). */
  async *companyAttributes(appId: string): AsyncIterable<{ companyId: string; attributes: Record<string, unknown> }> {
    const cursor = this.connection
      .collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies)
      .find({ appId }, { projection: { companyId: 1, attributes: 1 }, batchSize: 1000 });
    try {
      for await (const profile of cursor)
        yield { companyId: profile.companyId, attributes: decodeAttributes(profile.attributes) };
    } finally {
      await cursor.close();
    }
  }

  async onModuleInit(): Promise<void> {
    await this.segments.collection.createIndex({ appId: 1, name: 1 });
  }

  async insert(segment: SegmentRecord): Promise<void> {
    await this.segments.create(segment);
  }

  find(appId: string, id: string): Promise<SegmentRecord | null> {
    return this.segments.findOne({ _id: id, appId }).lean<SegmentRecord>().exec();
  }

  /** All segments of an app, by name then id. */
  list(appId: string): Promise<SegmentRecord[]> {
    return this.segments.find({ appId }).sort({ name: 1, _id: 1 }).lean<SegmentRecord[]>().exec();
  }

  update(
    appId: string,
    id: string,
    changes: Partial<Pick<SegmentRecord, 'name' | 'filter' | 'updatedAt'>>,
  ): Promise<SegmentRecord | null> {
    return this.segments.findOneAndUpdate({ _id: id, appId }, { $set: changes }, { new: true }).lean<SegmentRecord>().exec();
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const result = await this.segments.deleteOne({ _id: id, appId }).exec();
    return result.deletedCount === 1;
  }
}
