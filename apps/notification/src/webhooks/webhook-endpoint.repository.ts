import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@exportd/runtime';
import { Connection, Model, Schema } from 'mongoose';

export interface WebhookEndpointRecord {
  _id: string;
  appId: string;
  url: string;
  eventTypes: string[];
  disabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  /** The signing secret, sealed with the SecretBox (AES-256-GCM). */
  secret: string;
  /** The secret before the last rotation, sealed; still signs until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  secretRotatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type WebhookEndpointChanges = Partial<
  Pick<
    WebhookEndpointRecord,
    | 'url'
    | 'eventTypes'
    | 'disabled'
    | 'disabledReason'
    | 'disabledAt'
    | 'secret'
    | 'previousSecret'
    | 'previousSecretExpiresAt'
    | 'secretRotatedAt'
    | 'updatedAt'
  >
>;

const schema = new Schema<WebhookEndpointRecord>(
  {
    _id: String,
    appId: String,
    url: String,
    eventTypes: [String],
    disabled: Boolean,
    disabledReason: String,
    disabledAt: Date,
    secret: String,
    previousSecret: String,
    previousSecretExpiresAt: Date,
    secretRotatedAt: Date,
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'webhook_endpoints' },
);

/** Webhook endpoints per app. The only code that knows how they are stored. */
@Injectable()
export class WebhookEndpointRepository implements OnModuleInit {
  private readonly endpoints: Model<WebhookEndpointRecord>;

  constructor(@InjectConnection() connection: Connection) {
    this.endpoints = connection.model('WebhookEndpoint', schema);
  }

  async onModuleInit(): Promise<void> {
    await this.endpoints.collection.createIndex({ appId: 1, createdAt: 1 });
  }

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    await this.endpoints.create(endpoint);
  }

  find(appId: string, id: string): Promise<WebhookEndpointRecord | null> {
    return this.endpoints.findOne({ _id: id, appId }).lean<WebhookEndpointRecord>().exec();
  }

  list(appId: string): Promise<WebhookEndpointRecord[]> {
    return this.endpoints.find({ appId }).sort({ createdAt: 1, _id: 1 }).lean<WebhookEndpointRecord[]>().exec();
  }

  /** Enabled endpoints of the app subscribed to `eventType`. */
  subscribed(appId: string, eventType: string): Promise<WebhookEndpointRecord[]> {
    return this.endpoints
      .find({ appId, eventTypes: eventType, disabled: false })
      .sort({ createdAt: 1, _id: 1 })
      .lean<WebhookEndpointRecord[]>()
      .exec();
  }

  update(appId: string, id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpointRecord | null> {
    return this.endpoints
      .findOneAndUpdate({ _id: id, appId }, { $set: changes }, { new: true })
      .lean<WebhookEndpointRecord>()
      .exec();
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const result = await this.endpoints.deleteOne({ _id: id, appId }).exec();
    return result.deletedCount === 1;
  }
}
