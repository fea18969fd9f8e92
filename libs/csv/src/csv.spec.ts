import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import { COMPANY_FEATURE_LIST_COLUMNS, csvCell, csvListCell, csvRecord, CsvWriter, noNewlineCell } from './csv';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tTab', "'\tTab"],
    ['=a,b', `"'=a,b"`],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes numbers and booleans as they are (a negative number is not a formula), null as an empty field', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(1.5)).toBe('1.5');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('writes objects and arrays as quoted JSON text', () => {
    expect(csvCell({ a: 1, b: 'x' })).toBe('"{""a"":1,""b"":""x""}"');
    expect(csvCell(['a'])).toBe('"[""a""]"');
  });
});

describe('csvListCell', () => {
  it('puts a list in one quoted cell, comma separated, each item neutralised', () => {
    expect(csvListCell([])).toBe('');
    expect(csvListCell(['Big spenders'])).toBe('"Big spenders"');
    expect(csvListCell(['a', '=b', 'c"d'])).toBe(`"a,'=b,c""d"`);
  });
});

describe('csvRecord', () => {
  it('ends a record with CRLF', () => {
    expect(csvRecord(['a', 'b'])).toBe('a,b\r\n');
  });
});

describe(CsvWriter.name, () => {
  it('follows the column order whatever the key order of the row; keys it does not name are left out', () => {
    const sut = new CsvWriter(['b', 'a', 'c']);
    expect(sut.header()).toBe('b,a,c\r\n');
    expect(sut.rows([{ a: 1, b: 'two', c: null, d: 'extra' }, { c: '=x' }])).toBe("two,1,\r\n,,'=x\r\n");
  });

  it('writes the same cell for a text that repeats, within a batch and across batches', () => {
    const sut = new CsvWriter(['name']);
    const batch = [{ name: 'Acme, Inc.' }, { name: 'Acme, Inc.' }];
    expect(sut.rows(batch)).toBe('"Acme, Inc."\r\n"Acme, Inc."\r\n');
    expect(sut.rows(batch)).toBe('"Acme, Inc."\r\n"Acme, Inc."\r\n');
  });

  it('writes a list column (comma-joined text) as a list cell, also with one item; other columns as text', () => {
    const sut = new CsvWriter(['names', 'text'], { listColumns: ['names', 'absent'] });
    expect(sut.rows([{ names: 'Big spenders', text: 'Big spenders' }])).toBe('"Big spenders",Big spenders\r\n');
    expect(sut.rows([{ names: 'a,=b,c"d', text: 'a,=b' }])).toBe(`"a,'=b,c""d","a,=b"\r\n`);
    expect(sut.rows([{ names: '', text: '' }, { names: null }])).toBe(',\r\n,\r\n');
  });

  describe('the company data export', () => {
    const sut = new CsvWriter(COMPANY_FEATURE_COLUMNS, { listColumns: COMPANY_FEATURE_LIST_COLUMNS });
    const row = (overrides: Record<string, unknown>) => ({
      'Company ID': 'acme',
      'Company Name': null,
      'Feature Name': 'Messaging',
      'Feature ID': 'feat_1',
      Date: '2026-03-01',
      'First Seen': '2026-01-01',
      'Last Seen': '2026-02-27',
      'First Used': null,
      'Last Used': null,
      'STARS State Label': 'never',
      'STARS State': 1,
      'Frequency Label': null,
      Frequency: null,
      'Satisfaction Label': null,
      Satisfaction: null,
      'Feedback Count': 0,
      'Segment Names': '',
      'Segment IDs': '',
      ...overrides,
    });

    it('has the 18 columns of the seed, in order', () => {
      expect(sut.header()).toBe(
        'Company ID,Company Name,Feature Name,Feature ID,Date,First Seen,Last Seen,First Used,Last Used,STARS State Label,' +
          'STARS State,Frequency Label,Frequency,Satisfaction Label,Satisfaction,Feedback Count,Segment Names,Segment IDs\r\n',
      );
    });

    it('writes nulls as empty cells and numbers as digits', () => {
      expect(sut.rows([row({})])).toBe('acme,,Messaging,feat_1,2026-03-01,2026-01-01,2026-02-27,,,never,1,,,,,0,,\r\n');
    });

    it.each([
      [null, ''],
      ['', ''],
      ['Acme', 'Acme'],
      ['Acme, Inc.', '"Acme, Inc."'],
      ['say "hi"', '"say ""hi"""'],
      ['two\nlines', '"two\nlines"'],
      ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
      ['+1', "'+1"],
      ['-2', "'-2"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tx', "'\tx"],
    ])('company name %j -> cell %j', (name, cell) => {
      expect(sut.rows([row({ 'Company Name': name })])).toBe(
        `acme,${cell},Messaging,feat_1,2026-03-01,2026-01-01,2026-02-27,,,never,1,,,,,0,,\r\n`,
      );
    });

    it('writes the segment lists as quoted list cells', () => {
      expect(sut.rows([row({ 'Segment Names': 'Big spenders,Pro', 'Segment IDs': 'seg_1,seg_2' })])).toBe(
        'acme,,Messaging,feat_1,2026-03-01,2026-01-01,2026-02-27,,,never,1,,,,,0,"Big spenders,Pro","seg_1,seg_2"\r\n',
      );
    });
  });
});

describe('noNewlineCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['C:\\temp', '"C:\\\\temp"'],
    ['two\nlines', '"two\\nlines"'],
    ['cr\r\nlf', '"cr\\r\\nlf"'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['=a,"b"', `"'=a,\\"b\\""`],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(noNewlineCell(input)).toBe(expected);
  });

  it('writes numbers and booleans as they are, null as an empty field, objects as escaped JSON', () => {
    expect([-1, true, null, undefined].map(noNewlineCell)).toEqual(['-1', 'true', '', '']);
    expect(noNewlineCell({ a: 'x' })).toBe('"{\\"a\\":\\"x\\"}"');
  });
});

describe(`${CsvWriter.name} with the no_newline dialect`, () => {
  it('ends each record with LF alone and keeps every record on one line', () => {
    const sut = new CsvWriter(['id', 'text'], { dialect: 'no_newline' });
    const text =
      sut.header() +
      sut.rows([
        { id: 1, text: 'a\nb' },
        { id: 2, text: 'c\r\nd' },
      ]);
    expect(text).toBe('id,text\n1,"a\\nb"\n2,"c\\r\\nd"\n');
    expect(text.split('\n')).toHaveLength(4);
    expect(text).not.toContain('\r');
  });

  it('writes a list column as one quoted cell, each item neutralised', () => {
    const sut = new CsvWriter(['Segment Names'], { listColumns: COMPANY_FEATURE_LIST_COLUMNS, dialect: 'no_newline' });
    expect(sut.rows([{ 'Segment Names': 'Pro,=Big' }])).toBe(`"Pro,'=Big"\n`);
  });
});
