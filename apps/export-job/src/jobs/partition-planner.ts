/** Splits an export into partitions: one file each, redone from scratch when a worker dies. */
export type ExportDataType = 'events' | 'feedback' | 'users' | 'companies' | 'company_features';
export const EXPORT_DATA_TYPES: readonly ExportDataType[] = ['events', 'feedback', 'users', 'companies', 'company_features'];

export interface PlannedPartition {
  index: number;
  /** Stable key: the file's name without extension, and the chunk the Bulk API shows. */
  key: string;
  dataType: ExportDataType;
  fromDay: string;
  toDay: string;
}

/**
 * Time-based data types (events, feedback) are cut into calendar months (UTC): the key is the first day of
 * the month, as the Bulk Data Export API's chunks show, and the range is that month clipped to the export's
 * range. Profiles (users, companies) and company_features (at most 31 days, or one history option) are one
 * partition each. With several data types, keys carry the data type (`events-2024-05-01`, `users`); a job
 * of events alone keeps the bare date.
 */
export function planPartitions(
  dataTypes: readonly ExportDataType[],
  fromDay: string,
  toDay: string,
  byReception = false,
): PlannedPartition[] {
  const prefixed = !(dataTypes.length === 1 && dataTypes[0] === 'events');
  const out: PlannedPartition[] = [];
  for (const dataType of dataTypes) {
    // Rows by reception time (an incremental run) are not cut by event day: one partition per data type.
    if (byReception || dataType === 'users' || dataType === 'companies' || dataType === 'company_features') {
      out.push({ index: out.length, key: dataType, dataType, fromDay, toDay });
      continue;
    }
    for (const month of monthsBetween(fromDay, toDay)) {
      const start = month > fromDay ? month : fromDay;
      const last = lastDayOfMonth(month);
      const end = last < toDay ? last : toDay;
      out.push({ index: out.length, key: prefixed ? `${dataType}-${month}` : month, dataType, fromDay: start, toDay: end });
    }
  }
  return out;
}

/**
 * A Coveo-compatible job is one partition, `export`: its file is one zip holding every table, and a redo
 * rewrites the whole zip (an object cannot be appended to). `dataType` is the first table's, for the record only.
 */
export function planZipPartition(dataTypes: readonly ExportDataType[], fromDay: string, toDay: string): PlannedPartition[] {
  return [{ index: 0, key: 'export', dataType: dataTypes[0] ?? 'events', fromDay, toDay }];
}

/** First days (YYYY-MM-01) of each month touched by [fromDay, toDay]. */
export function monthsBetween(fromDay: string, toDay: string): string[] {
  let year = Number(fromDay.slice(0, 4));
  let month = Number(fromDay.slice(5, 7));
  const endYear = Number(toDay.slice(0, 4));
  const endMonth = Number(toDay.slice(5, 7));
  const months: string[] = [];
  while (year < endYear || (year === endYear && month <= endMonth)) {
    months.push(`${year}-${String(month).padStart(2, '0')}-01`);
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return months;
}

function lastDayOfMonth(firstDay: string): string {
  const year = Number(firstDay.slice(0, 4));
  const month = Number(firstDay.slice(5, 7));
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}
