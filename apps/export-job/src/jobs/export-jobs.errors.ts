import { DomainError } from '@exportd/grpc';

export class ExportJobNotFound extends DomainError {
  constructor(appId: string, jobId: string) {
    super('not_found', 'export_job_not_found', `Failed to retrieve job with id ${jobId} for application ${appId}: job not found`);
  }
}

export class ExportAlreadyRunning extends DomainError {
  constructor(jobId: string) {
    super(
      'conflict',
      'export_already_running',
      'There is already an export job in progress, you can only have one export job in progress at a time.',
      { job_id: jobId },
    );
  }
}

export class InvalidExportRequest extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_export_request', message);
  }
}

export class ExportJobNotCancellable extends DomainError {
  constructor(jobId: string, status: string) {
    super('precondition', 'export_job_not_cancellable', `job ${jobId} is ${status} and can no longer be cancelled`);
  }
}
