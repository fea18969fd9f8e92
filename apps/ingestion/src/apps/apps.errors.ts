import { DomainError } from '@exportd/grpc';

export class AppNotFound extends DomainError {
  constructor(appId: string) {
    super('not_found', 'app_not_found', `app ${appId} not found`);
  }
}

export class ApiKeyNotFound extends DomainError {
  constructor(keyId: string) {
    super('not_found', 'api_key_not_found', `API key ${keyId} not found`);
  }
}

export class InvalidAppInput extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_app_input', message, details);
  }
}

export class InvalidCredentials extends DomainError {
  constructor(what: 'API key' | 'tracking key') {
    super('unauthenticated', what === 'API key' ? 'invalid_api_key' : 'invalid_tracking_key', `unknown or revoked ${what}`);
  }
}
