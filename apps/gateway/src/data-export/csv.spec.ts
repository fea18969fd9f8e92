import { headerLine, listCell, rowLine, textCell } from './csv';

describe('company export CSV', () => {
  it('has the 18 columns of the seed, in order', () => {
    expect(headerLine()).toBe(
      'Company ID,Company Name,Feature Name,Feature ID,Date,First Seen,Last Seen,First Used,Last Used,STARS State Label,' +
        'STARS State,Frequency Label,Frequency,Satisfaction Label,Satisfaction,Feedback Count,Segment Names,Segment IDs\r\n',
    );
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
  ])('text cell %j -> %j', (value, expected) => {
    expect(textCell(value)).toBe(expected);
  });

  it('puts a list in one quoted cell, comma separated', () => {
    expect(listCell([])).toBe('');
    expect(listCell(['Big spenders'])).toBe('"Big spenders"');
    expect(listCell(['a', '=b', 'c"d'])).toBe(`"a,'=b,c""d"`);
  });

  it('writes nulls as empty cells and numbers as digits', () => {
    expect(
      rowLine({
        companyId: 'acme',
        featureName: 'Messaging',
        featureId: 'feat_1',
        date: '2026-03-01',
        firstSeen: '2026-01-01',
        lastSeen: '2026-02-27',
        starsStateLabel: 'never',
        starsState: 1,
        feedbackCount: 0,
        segmentNames: [],
        segmentIds: [],
      }),
    ).toBe('acme,,Messaging,feat_1,2026-03-01,2026-01-01,2026-02-27,,,never,1,,,,,0,,\r\n');
  });
});
