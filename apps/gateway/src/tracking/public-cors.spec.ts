import { publicCorsMatcher, PUBLIC_CORS_ROUTES } from './public-cors';

describe(publicCorsMatcher.name, () => {
  const sut = publicCorsMatcher(PUBLIC_CORS_ROUTES);

  it.each([
    '/trK3y/user',
    '/trK3y/company',
    '/trK3y/event',
    '/trK3y/events',
    '/trK3y/feedback',
    '/trK3y/feedback/',
    '/trK3y/bulk?x=1',
    '/trK3y/page',
    '/trK3y/feedback/prompting-init',
    '/trK3y/features/enabled?context.user.id=1',
    '/trK3y/flags/evaluate',
    '/v1/batch',
    '/v1/track',
    '/v1/identify',
    '/v1/group',
    '/v1/page',
    '/v1/screen',
    '/v1/alias',
  ])('%s is a public route', (url) => {
    expect(sut(url)).toBe(true);
  });

  it.each([
    '/api/v1/exports',
    '/api/v1/exports/abc',
    '/admin/v1/apps',
    '/rest/ua/v15/exports',
    '/trK3y/users',
    '/trK3y/user/extra',
    '/a/trK3y/user',
    '/v1/unknown',
    '/',
  ])('%s is not', (url) => {
    expect(sut(url)).toBe(false);
  });
});
