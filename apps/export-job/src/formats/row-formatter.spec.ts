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

  it('csv: a file without rows still has its header', () => {
    const sut = new RowFormatter('csv');
    expect(sut.start() + sut.batch([], ['a', 'b']) + sut.end()).toBe('a,b\r\n');
  });
});
