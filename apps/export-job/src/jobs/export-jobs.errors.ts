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

/** A request the export rules refuse (400 `invalid_request`); the message names the field. */
export class InvalidExportRequest extends DomainError {
  constructor(message: string, details?: unknown) {
    super('invalid', 'invalid_request', message, details);
  }
}

/** The app's plan does not include data exports (each API answers its own documented 403 body). */
export class PlanExcludesExports extends DomainError {
  constructor(appId: string) {
    super(
      'permission',
      'plan_excludes_exports',
      `Your current plan for application ${appId} does not support the feature you are trying to access.`,
    );
  }
}

export class ExportJobNotCancellable extends DomainError {
  constructor(jobId: string, status: string) {
    super('precondition', 'export_job_not_cancellable', `job ${jobId} is ${status} and can no longer be cancelled`);
  }
}
