import { ForbiddenException } from '@nestjs/common';
import { tenancy } from '@exportd/contracts';
import { planIncludesExports } from '@exportd/records';

/**
 * The permission error of the Bulk Data Export API (seed 002): status 403 with its documented body, used by
 * every export surface when the app's plan does not include the feature.
 */
export function planDoesNotInclude(app: tenancy.App): ForbiddenException {
  return new ForbiddenException({
    errors: [
      {
        details: `Your current plan for application ${app.id} does not support the feature you are trying to access.`,
        error: 'Unauthorized',
        error_code: '401',
        message: 'You are not authorized to perform the requested action.',
      },
    ],
  });
}

/** For the routes aggregation serves (company data export, lookups); export-job checks its own jobs' plan. */
export function assertPlanIncludesExports(app: tenancy.App): void {
  if (!planIncludesExports(app.plan)) throw planDoesNotInclude(app);
}
