/** Plans that include data exports (export jobs, the company data export, lookups). */
export const EXPORT_PLANS: readonly string[] = ['pro', 'enterprise'];

export function planIncludesExports(plan: string): boolean {
  return EXPORT_PLANS.includes(plan);
}
