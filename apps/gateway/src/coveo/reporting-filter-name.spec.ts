import { reportingFilterName, reportingFilterNameCandidate } from './reporting-filter-name';

describe(reportingFilterName.name, () => {
  it.each([
    ['Exclude pageview bots', 'EXCLUDE_PAGEVIEW_BOTS'],
    ['Opened report (pro)', 'OPENED_REPORT_PRO'],
    ['  --Québec  ', 'QUEBEC'],
    ['2024 pro', 'F_2024_PRO'],
    ['!!!', 'F'],
    ['x'.repeat(150), 'X'.repeat(90)],
  ])('%j -> %s', (displayName, name) => {
    expect(reportingFilterName(displayName)).toBe(name);
    expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });

  it('suffixes the later candidates', () => {
    expect([1, 2, 3].map((attempt) => reportingFilterNameCandidate('BOTS', attempt))).toEqual(['BOTS', 'BOTS_2', 'BOTS_3']);
  });
});
