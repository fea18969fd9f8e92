import { Injectable } from '@nestjs/common';
import { SecretBox } from '@exportd/runtime';
import { DestinationStorage } from './destination-storage';
import { DestinationSecretUnreadable, DestinationWriteFailed, InvalidDestinationInput } from './destinations.errors';
import { SealedDestination } from './destinations.service';
import { StorageFailure } from './storage-failure';

/** Writes objects into a customer's destination (the scheduler's deliveries and automatic exports). */
@Injectable()
export class DestinationWriter {
  constructor(
    private readonly storage: DestinationStorage,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * Uploads one object to `<destination key>/<relativeKey>` (multipart for large bodies), re-checking the
   * address policy first; failures are DestinationWriteFailed with the check's reason and the storage's answer.
   */
  async put(
    destination: SealedDestination,
    relativeKey: string,
    body: Buffer | string | NodeJS.ReadableStream,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const relative = relativeKey.split('/').filter((segment) => segment !== '');
    if (relative.length === 0 || relative.some((segment) => segment === '.' || segment === '..')) {
      throw new InvalidDestinationInput('relativeKey', `"${relativeKey}" is not an object key`);
    }
    const objectKey = [...(destination.key ? [destination.key] : []), ...relative].join('/');
    let secretAccessKey: string;
    try {
      secretAccessKey = this.secrets.open(destination.sealedSecret);
    } catch {
      throw new DestinationSecretUnreadable(`the destination ${destination.bucket}`);
    }
    try {
      await this.storage.upload({ ...destination, secretAccessKey }, objectKey, body, contentType, signal);
    } catch (error) {
      if (error instanceof StorageFailure) throw new DestinationWriteFailed(error.reason, error.message, error.storageMessage);
      throw error;
    }
  }
}
