import { DomainError } from '@exportd/grpc';

export class InvalidNotification extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_notification', message);
  }
}
