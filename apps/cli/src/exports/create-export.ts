import { CliError } from '../cli-error';

/** `exportd exports create` options, as commander parses them. */
export interface CreateExportOptions {
  from?: string;
  to?: string;
  history?: string;
  dataTypes: string;
  format: string;
  filter: string[];
  userIds?: string;
  companyIds?: string;
  eventTypes?: string;
  exclusions?: boolean;
}

/** The body of `POST /api/v1/exports` (the on-demand export API). */
export interface CreateExportBody {
  startDate?: string;
  endDate?: string;
  history?: string;
  dataTypes: string[];
  format: string;
  filter?: string;
  filters?: { userIds?: string[]; companyIds?: string[]; eventTypes?: string[] };
  exclusions?: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAYS_AGO = /^(\d{1,4})d$/;

/**
 * A day for `--from` / `--to`: `YYYY-MM-DD` as is, or `today`, `yesterday`, `<N>d` (N UTC days before today).
 * The platform checks the rest (a real day, in order, at most 30 of them).
 */
export function dayOf(value: string, flag: string, now: Date): string {
  const text = value.trim().toLowerCase();
  if (DAY.test(text)) return text;
  const daysAgo = text === 'today' ? 0 : text === 'yesterday' ? 1 : DAYS_AGO.test(text) ? Number(DAYS_AGO.exec(text)?.[1]) : NaN;
  if (Number.isNaN(daysAgo)) {
    throw new CliError(`${flag} must be a day YYYY-MM-DD, today, yesterday or <N>d (N days ago), got "${value}"`);
  }
  return new Date(now.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** A comma-separated list, blanks dropped. */
export function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Maps the CLI's options onto the on-demand export API's body. Several `--filter` expressions are joined by
 * AND (each in parentheses); `--user-ids`, `--company-ids` and `--event-types` are the body's `filters`.
 */
export function createExportBody(options: CreateExportOptions, now: Date): CreateExportBody {
  const dataTypes = listOf(options.dataTypes);
  if (dataTypes.length === 0)
    throw new CliError('--data-types needs at least one data type (events, users, companies, feedback, company_features)');
  const body: CreateExportBody = { dataTypes, format: options.format.trim().toLowerCase() };
  if (options.history !== undefined) {
    if (options.from !== undefined || options.to !== undefined) {
      throw new CliError('--history replaces --from and --to: give either a history or a range of days');
    }
    body.history = options.history;
  } else {
    if (options.from === undefined || options.to === undefined) {
      throw new CliError('--from and --to are required (or --history, for company_features alone)');
    }
    body.startDate = dayOf(options.from, '--from', now);
    body.endDate = dayOf(options.to, '--to', now);
  }
  const expressions = options.filter.map((f) => f.trim()).filter((f) => f.length > 0);
  if (expressions.length === 1) body.filter = expressions[0];
  else if (expressions.length > 1) body.filter = expressions.map((f) => `(${f})`).join(' AND ');
  const filters: NonNullable<CreateExportBody['filters']> = {};
  if (options.userIds !== undefined) filters.userIds = listOf(options.userIds);
  if (options.companyIds !== undefined) filters.companyIds = listOf(options.companyIds);
  if (options.eventTypes !== undefined) filters.eventTypes = listOf(options.eventTypes);
  if (Object.keys(filters).length > 0) body.filters = filters;
  if (options.exclusions) body.exclusions = true;
  return body;
}
