/** Named filter names are `[A-Z][A-Z0-9_]*`, at most 100 characters: room is kept for a `_<n>` suffix. */
const MAX_BASE_LENGTH = 90;

/**
 * The named filter name a Coveo reporting filter gets from its display name (Coveo's POST has no name):
 * accents dropped, upper case, each run of other characters one `_`, no `_` at either end, `F_` in front
 * when it does not start with a letter. "Exclude pageview bots" -> EXCLUDE_PAGEVIEW_BOTS, "2024 (pro)" -> F_2024_PRO.
 */
export function reportingFilterName(displayName: string): string {
  const base = displayName
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const named = /^[A-Z]/.test(base) ? base : `F_${base}`.replace(/_+$/, '');
  return named.slice(0, MAX_BASE_LENGTH).replace(/_+$/, '');
}

/** The n-th name tried when the earlier ones exist: NAME, NAME_2, NAME_3, ... */
export function reportingFilterNameCandidate(base: string, attempt: number): string {
  return attempt === 1 ? base : `${base}_${attempt}`;
}
