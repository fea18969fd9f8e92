import { DomainError } from '@exportd/grpc';

export class WebhookEndpointNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'webhook_not_found', `webhook endpoint ${id} not found`);
  }
}

export class WebhookUrlNotAllowed extends DomainError {
  constructor(reason: string) {
    super('invalid', 'webhook_url_not_allowed', reason, [{ field: 'url', problems: [reason] }]);
  }
}

export class InvalidWebhookInput extends DomainError {
  constructor(field: string, problem: string) {
    super('invalid', 'invalid_request', `${field}: ${problem}`, [{ field, problems: [problem] }]);
  }
}
