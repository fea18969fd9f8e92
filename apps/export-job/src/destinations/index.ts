// What other export-job features (the scheduler, the automatic export) use of destinations.
export { DestinationsModule } from './destinations.module';
export { DestinationsService } from './destinations.service';
export type {
  DestinationInput,
  DestinationPatch,
  DestinationView,
  SealedDestination,
  StoredDestinationView,
} from './destinations.service';
export { DestinationWriter } from './destination-writer';
export {
  DestinationInvalid,
  DestinationNotFound,
  DestinationWriteFailed,
  DestinationSecretUnreadable,
  DESTINATION_CHECK_REASONS,
} from './destinations.errors';
export type { DestinationCheckReason } from './destinations.errors';
export type { DestinationProvider } from './destination-location';
export { destinationInputFromProto, providerToProto } from './destination.mapper';
