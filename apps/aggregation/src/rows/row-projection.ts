import { ATTRIBUTE_PREFIX, DimensionTable, tableColumns } from '../dimensions/dimensions';
import type { ColumnValues } from './row-encoders';
import { DuplicateColumns, UnknownDimensions } from './rows.errors';

/** The columns a stream sends and each row as JSON text with those keys, in that order. */
export interface RowProjection<Doc> {
  columns: string[];
  encode(doc: Doc): string;
}

type ValueOf<Doc> = (doc: Doc, attributes: Record<string, unknown> | undefined) => string;

/**
 * A table's columns chosen and ordered by dimension return names (every column when none is given), named by
 * return name or display name. Built once per stream: each row is then one concatenation of known key texts
 * and value texts, with the row's attributes decoded once when an `attributes.<key>` column needs them.
 */
export function rowProjection<Doc>(
  table: DimensionTable,
  dimensions: readonly string[],
  useDisplayNames: boolean,
  source: ColumnValues<Doc>,
): RowProjection<Doc> {
  const catalogue = tableColumns(table);
  const picked = dimensions.length > 0 ? dimensions : catalogue.map((column) => column.returnName);
  const columns: string[] = [];
  const values: ValueOf<Doc>[] = [];
  const unknown: string[] = [];
  let needsAttributes = false;
  for (const name of picked) {
    const column = catalogue.find((candidate) => candidate.returnName === name);
    const key = name.startsWith(ATTRIBUTE_PREFIX) ? name.slice(ATTRIBUTE_PREFIX.length) : '';
    if (column) {
      const value = source.values[column.rowKey];
      if (!value) throw new Error(`no value for column ${column.rowKey} of ${table}`);
      columns.push(useDisplayNames ? column.displayName : column.returnName);
      values.push((doc) => value(doc));
    } else if (key && source.attributes) {
      // The catalogue's display name of attributes.<key> is the key.
      columns.push(useDisplayNames ? key : name);
      values.push((_doc, attributes) => JSON.stringify(attributes?.[key] ?? null));
      needsAttributes = true;
    } else {
      unknown.push(name);
    }
  }
  if (unknown.length > 0) throw new UnknownDimensions(table, unknown);
  const twice = columns.filter((name, i) => columns.indexOf(name) !== i);
  if (twice.length > 0) throw new DuplicateColumns([...new Set(twice)]);
  const keys = columns.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  const attributesOf = source.attributes;
  return {
    columns,
    encode(doc) {
      const attributes = needsAttributes && attributesOf ? attributesOf(doc) : undefined;
      let json = '';
      for (let i = 0; i < keys.length; i++) json += keys[i] + values[i](doc, attributes);
      return `${json}}`;
    },
  };
}
