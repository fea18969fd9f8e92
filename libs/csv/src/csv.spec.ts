import { csvCell, csvRecord, csvRow } from './csv';

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

describe('csvRecord and csvRow', () => {
  it('ends records with CRLF and follows the column order, whatever the key order of the row', () => {
    expect(csvRecord(['a', 'b'])).toBe('a,b\r\n');
    expect(csvRow(['b', 'a', 'c'], { a: 1, b: 'two', c: null })).toBe('two,1,\r\n');
  });
});
