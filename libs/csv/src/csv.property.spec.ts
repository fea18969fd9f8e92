import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvCell, csvListCell, csvRecord, CsvWriter, neutraliseFormula, noNewlineCell, noNewlineListCell } from './csv';

/**
 * What the encoders write, read back by a real CSV parser (csv-parse): every cell comes back exactly, except
 * for the documented changes (formula neutralisation; NO_NEWLINE's escaped line breaks).
 */

const RUNS = { numRuns: 300 };

/** The characters CSV and spreadsheets treat specially, mixed with any code point. */
const SPECIAL = ['"', ',', '\r', '\n', '\r\n', '\uFEFF', '=', '+', '-', '@', '\t', '\\', "'", ' ', '""', '\\n', '\\r'];
const unit = fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const text = fc.string({ unit, maxLength: 24 });
/** Text that starts like a formula, so neutralisation is exercised on every run of the properties using it. */
const formulaText = fc.tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r'), text).map(([start, rest]) => start + rest);
const anyText = fc.oneof(text, formulaText);

const readRfc4180 = (csv: string): string[][] => parse(csv, { record_delimiter: '\r\n' });
/** csv-parse with `\` as the escape character: it reads `\"` and `\\` as the character and drops other `\`s. */
const readNoNewline = (csv: string): string[][] => parse(csv, { record_delimiter: '\n', escape: '\\' });

/**
 * NO_NEWLINE as documented: a quoted field holds `\"`, `\\`, `\r` and `\n` escapes. csv-parse does not know
 * the `\r` and `\n` escapes, so this reads one record line into its fields exactly.
 */
function noNewlineFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error(`unterminated field in ${JSON.stringify(line)}`);
        if (line[i] === '\\') {
          const next = line[i + 1] as string;
          const decoded = { '"': '"', '\\': '\\', r: '\r', n: '\n' }[next];
          if (decoded === undefined) throw new Error(`unknown escape \\${next} in ${JSON.stringify(line)}`);
          field += decoded;
          i += 2;
        } else field += line[i++];
      }
      i++;
    } else {
      while (i < line.length && line[i] !== ',') field += line[i++];
    }
    fields.push(field);
    if (i >= line.length) return fields;
    if (line[i] !== ',') throw new Error(`expected a comma at ${i} in ${JSON.stringify(line)}`);
    i++;
  }
}

/** What csv-parse makes of a NO_NEWLINE cell: the text with `\r`/`\n` escapes read as `r`/`n`. */
const asCsvParseReadsNoNewline = (value: string) => value.replace(/\r/g, 'r').replace(/\n/g, 'n');

describe('neutraliseFormula', () => {
  it('prefixes exactly the texts that start with = + - @ tab or CR, and changes nothing else', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const out = neutraliseFormula(value);
        if (/^[=+\-@\t\r]/.test(value)) expect(out).toBe(`'${value}`);
        else expect(out).toBe(value);
        expect(/^[=+\-@\t\r]/.test(out)).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('RFC 4180 (csvCell, csvRecord, CsvWriter)', () => {
  it('a text cell parses back to exactly neutraliseFormula(text)', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        expect(readRfc4180(csvRecord([value]))).toEqual([[neutraliseFormula(value)]]);
      }),
      RUNS,
    );
  });

  it('a record of any texts keeps its column count and every cell', () => {
    fc.assert(
      fc.property(fc.array(anyText, { minLength: 1, maxLength: 8 }), (values) => {
        const [record, ...rest] = readRfc4180(csvRecord(values));
        expect(rest).toEqual([]);
        expect(record).toEqual(values.map(neutraliseFormula));
      }),
      RUNS,
    );
  });

  it('numbers and booleans are their String(), null and undefined empty, objects and dates their JSON text', () => {
    const scalar = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: true }),
      fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 3 }),
      fc.array(text, { maxLength: 3 }),
    );
    const expected = (value: unknown): string => {
      if (value === null || value === undefined) return '';
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      if (typeof value === 'string') return neutraliseFormula(value);
      return neutraliseFormula(JSON.stringify(value));
    };
    fc.assert(
      fc.property(fc.array(fc.oneof(scalar, anyText), { minLength: 1, maxLength: 8 }), (values) => {
        expect(readRfc4180(csvRecord(values))).toEqual([values.map(expected)]);
      }),
      RUNS,
    );
  });

  it('a finite number reads back as the same number (-0 as 0)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const [[cell]] = readRfc4180(csvRecord([value])) as [[string]];
        expect(Number(cell)).toBe(value === 0 ? 0 : value);
      }),
      RUNS,
    );
  });

  it('a date reads back as the JSON text of its ISO time', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (value) => {
        expect(readRfc4180(csvCell(value) + '\r\n')).toEqual([[JSON.stringify(value.toISOString())]]);
      }),
      RUNS,
    );
  });

  it('a list cell of items without commas reads back as its items, each neutralised', () => {
    const item = text.filter((value) => value.length > 0 && !value.includes(','));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            item,
            formulaText.map((value) => value.replace(/,/g, '')),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (items) => {
          const [[cell]] = readRfc4180(`${csvListCell(items)}\r\n`) as [[string]];
          expect(cell.split(',')).toEqual(items.map(neutraliseFormula));
        },
      ),
      RUNS,
    );
    expect(csvListCell([])).toBe('');
  });

  it('CsvWriter: header and rows keep the column count and every cell, list columns as documented', () => {
    const table = fc.uniqueArray(anyText, { minLength: 1, maxLength: 6 }).chain((columns) =>
      fc.record({
        columns: fc.constant(columns),
        listColumns: fc.subarray(columns),
        // Repeated texts exercise the writer's per-batch cache.
        rows: fc.array(
          fc.array(fc.oneof(anyText, fc.constantFrom('a,=b', '', 'x')), { minLength: columns.length, maxLength: columns.length }),
          {
            maxLength: 6,
          },
        ),
      }),
    );
    fc.assert(
      fc.property(table, ({ columns, listColumns, rows }) => {
        const writer = new CsvWriter(columns, { listColumns });
        const objects = rows.map((cells) => Object.fromEntries(columns.map((column, i) => [column, cells[i]])));
        const [header, ...records] = readRfc4180(writer.header() + writer.rows(objects));
        expect(header).toEqual(columns.map(neutraliseFormula));
        expect(records).toEqual(
          rows.map((cells) =>
            cells.map((value, i) =>
              listColumns.includes(columns[i] as string)
                ? value.split(',').map(neutraliseFormula).join(',')
                : neutraliseFormula(value),
            ),
          ),
        );
      }),
      RUNS,
    );
  });
});

describe('NO_NEWLINE (noNewlineCell, CsvWriter dialect no_newline)', () => {
  const table = fc.array(fc.array(anyText, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 });
  const write = (rows: string[][]) => {
    const writer = new CsvWriter(['a', 'b', 'c'], { dialect: 'no_newline' });
    return writer.rows(rows.map(([a, b, c]) => ({ a, b, c })));
  };

  it('writes one physical line per record: no CR at all, and LF only at the end of each record', () => {
    fc.assert(
      fc.property(table, (rows) => {
        const out = write(rows);
        expect(out).not.toContain('\r');
        expect(out.split('\n')).toHaveLength(rows.length + 1);
        expect(out.endsWith('\n')).toBe(true);
      }),
      RUNS,
    );
  });

  it('each line reads back, by the documented escapes, as exactly the neutralised cells', () => {
    fc.assert(
      fc.property(table, (rows) => {
        const lines = write(rows).split('\n').slice(0, -1);
        expect(lines.map(noNewlineFields)).toEqual(rows.map((cells) => cells.map(neutraliseFormula)));
      }),
      RUNS,
    );
  });

  it('csv-parse (escape `\\`) reads the same columns, and the cells exactly where they hold no line break', () => {
    fc.assert(
      fc.property(table, (rows) => {
        expect(readNoNewline(write(rows))).toEqual(
          rows.map((cells) => cells.map((value) => asCsvParseReadsNoNewline(neutraliseFormula(value)))),
        );
      }),
      RUNS,
    );
  });

  it('a list cell of items without commas reads back as its items, each neutralised', () => {
    const item = text.filter((value) => value.length > 0 && !value.includes(','));
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 6 }), (items) => {
        const [cell] = noNewlineFields(noNewlineListCell(items));
        expect((cell as string).split(',')).toEqual(items.map(neutraliseFormula));
      }),
      RUNS,
    );
  });

  it('numbers, booleans, null and undefined are written as in RFC 4180', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)), (value) => {
        expect(noNewlineCell(value)).toBe(csvCell(value));
      }),
      RUNS,
    );
  });
});
