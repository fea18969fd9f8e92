import { RowFormatter } from './row-formatter';

describe(RowFormatter.name, () => {
  const rows = ['{"a":1,"b":"x"}', '{"a":2,"b":"=y"}'];

  it('json: one JSON array per file', () => {
    const sut = new RowFormatter('json');
    const text = sut.start() + sut.batch(rows, ['a', 'b']) + sut.batch([], []) + sut.end();
    expect(JSON.parse(text)).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: '=y' },
    ]);
    expect(sut.rowCount).toBe(2);
  });

  it('json: an empty file is an empty array', () => {
    const sut = new RowFormatter('json');
    expect(JSON.parse(sut.start() + sut.batch([], ['a']) + sut.end())).toEqual([]);
  });

  it('jsonl: one object per line, passed through', () => {
    const sut = new RowFormatter('jsonl');
    expect(sut.start() + sut.batch(rows, ['a', 'b']) + sut.end()).toBe(`${rows[0]}\n${rows[1]}\n`);
  });

  it('csv: header from the first batch, then records', () => {
    const sut = new RowFormatter('csv');
    expect(sut.start() + sut.batch(rows, ['a', 'b']) + sut.end()).toBe("a,b\r\n1,x\r\n2,'=y\r\n");
  });

  it('csv: company_features segment lists are list cells, as in the company CSV download', () => {
    const sut = new RowFormatter('csv');
    const row = (names: string, ids: string) =>
      JSON.stringify({ 'Company ID': 'acme', 'Segment Names': names, 'Segment IDs': ids });
    const text = sut.batch(
      [row('Pro', 'seg_1'), row('Pro,=Big', 'seg_1,seg_2'), row('', '')],
      ['Company ID', 'Segment Names', 'Segment IDs'],
    );
    expect(text).toBe(
      `Company ID,Segment Names,Segment IDs\r\nacme,"Pro","seg_1"\r\nacme,"Pro,'=Big","seg_1,seg_2"\r\nacme,,\r\n`,
    );
  });

  it('csv: rows before any columns are refused', () => {
    expect(() => new RowFormatter('csv').batch(['{"a":1}'], [])).toThrow('rows arrived before their columns');
  });

  it('csv: a file without rows still has its header', () => {
    const sut = new RowFormatter('csv');
    expect(sut.start() + sut.batch([], ['a', 'b']) + sut.end()).toBe('a,b\r\n');
  });
});
