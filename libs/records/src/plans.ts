/** Plans that include data exports (export jobs, the company data export, lookups). */
export const EXPORT_PLANS: readonly string[] = ['pro', 'enterprise'];

export function planIncludesExports(plan: string): boolean {
  return EXPORT_PLANS.includes(plan);
}

/** Plans that include the automatic company export into the customer's storage (seed 000: Enterprise). */
export const AUTOMATIC_EXPORT_PLANS: readonly string[] = ['enterprise'];

export function planIncludesAutomaticExports(plan: string): boolean {
  return AUTOMATIC_EXPORT_PLANS.includes(plan);
}
