import fc from 'fast-check';
import { formCase, getCase, type Headers, oneOf } from './cases.ts';
import type { PublicFormRoute } from './catalogue.ts';
import { segment } from './form-bodies.ts';
import type { Endpoint } from './run.ts';
import { attemptCounters } from './snapshot.ts';

/** A browser that opened a page: its cookie header and the hidden `_csrf` of its forms. */
export type Browser = { cookie: string; csrf: string };

export type PublicFormFixtures = {
  browser: Browser;
  /** Path tokens by kind: real ones in several states (the fuzz adds broken and hostile ones). */
  verifyTokens: string[];
  statusTokens: string[];
  downloadTokens: string[];
  unsubscribeTokens: string[];
  staffEmail: string;
  staffPassword: string;
};

/**
 * The browser's cookie and token (so posts reach validation), now and then none, or a cookie that
 * does not match the token: both must be refused (403) before anything is read or written.
 */
export function browsers(b: Browser): fc.Arbitrary<{ headers: Headers; csrf: string | undefined }> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant({ headers: { cookie: b.cookie }, csrf: b.csrf }) },
    { weight: 1, arbitrary: fc.constant({ headers: {}, csrf: b.csrf }) },
    {
      weight: 1,
      arbitrary: fc.constant({
        headers: { cookie: 'rd_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
        csrf: b.csrf,
      }),
    },
  );
}

const requestForm = {
  type: oneOf('access', 'erase', 'opt_out', 'rectify', 'delete'),
  region: oneOf('eu', 'uk', 'california', 'other', 'mars'),
  email: oneOf('ada@example.org', 'grace@example.org', 'not-an-email', ' ADA@example.org '),
  name: oneOf('Ada Lovelace', ''),
  details: oneOf('Please send my data.', ''),
  correctionField: oneOf('name', ''),
  correctionValue: oneOf('Ada', ''),
  website: oneOf('', '', '', 'http://spam.example'),
};

/** The subject's pages and forms (intake, verification, status, download, unsubscribe) and staff sign-in. */
export function publicFormEndpoints(fx: PublicFormFixtures): Endpoint[] {
  const browser = browsers(fx.browser);
  const cookie = fc.constant({ cookie: fx.browser.cookie });
  const tokenPath = (kind: string, pool: string[], suffix = '') =>
    segment(pool).map((t) => `/${kind}/${t}${suffix}`);
  const verify = (suffix = '') => tokenPath('verify', fx.verifyTokens, suffix);
  const status = (suffix = '') => tokenPath('status', fx.statusTokens, suffix);
  const download = (suffix = '') => tokenPath('download', fx.downloadTokens, suffix);
  const unsubscribe = tokenPath('unsubscribe', fx.unsubscribeTokens);
  const page = (path: fc.Arbitrary<string>, query = {}): Omit<Endpoint, 'route'> => ({
    kind: 'html',
    cases: getCase(path, { lang: oneOf('pl', 'de', 'xx'), ...query }, cookie),
    reaches: [200],
  });
  const form = (
    path: fc.Arbitrary<string>,
    shape: Record<string, fc.Arbitrary<string>>,
    reaches: number[],
    extra: Partial<Endpoint> = {},
  ): Omit<Endpoint, 'route'> => ({
    kind: 'html',
    cases: formCase(path, shape, browser),
    fields: Object.keys(shape),
    reaches,
    ...extra,
  });
  const specs: Record<PublicFormRoute, Omit<Endpoint, 'route'>> = {
    'GET /': page(fc.constant('/')),
    'POST /requests': form(fc.constant('/requests'), requestForm, [303, 400]),
    'GET /requests/received': page(fc.constant('/requests/received'), {
      ref: oneOf('RD-2222-3333', 'rd-2222-3333'),
      type: oneOf('opt_out', 'other'),
    }),
    'GET /verify/:token': { ...page(verify()), reaches: [200, 400] },
    'POST /verify/resend': form(
      fc.constant('/verify/resend'),
      { token: fc.oneof(oneOf(...fx.verifyTokens), segment([])) },
      [200, 400, 409],
    ),
    'POST /verify/:token': form(verify(), {}, [200, 400, 409]),
    'GET /status/:token': { ...page(status()), reaches: [200, 400] },
    'GET /status/:token/cancel': { ...page(status('/cancel')), reaches: [200, 400] },
    'POST /status/:token/resend': form(status('/resend'), {}, [200, 409, 429]),
    'POST /status/:token/cancel': form(
      status('/cancel'),
      { version: oneOf('1', '2', '3', 'x', '0') },
      [400, 409],
    ),
    'POST /status/:token/reply': form(
      status('/reply'),
      { version: oneOf('1', '2', '3', '4', 'x'), reply: oneOf('It is the account ada@example.org.', '') },
      [400, 409],
    ),
    'GET /download/:token': { ...page(download()), reaches: [200, 400] },
    'POST /download/:token/code': form(download('/code'), {}, [200, 429]),
    'POST /download/:token/copy': form(download('/copy'), {}, [200, 202, 409, 429]),
    'POST /download/:token': form(
      download(),
      { code: oneOf('123456', '123 456', '12-34-56', 'abc') },
      [400],
      {
        mayChangeOn4xx: attemptCounters.downloadCode,
      },
    ),
    'GET /unsubscribe/:token': { ...page(unsubscribe), reaches: [200, 400] },
    // One-click (RFC 8058): mail providers post without cookies or CSRF; the signed token decides.
    'POST /unsubscribe/:token': form(unsubscribe, { 'List-Unsubscribe': oneOf('One-Click', '') }, [200, 400]),
    'GET /staff/login': page(fc.constant('/staff/login'), {
      next: oneOf('/staff', '/staff?law=gdpr', '//evil.example', 'https://evil.example', '/staff/../..'),
    }),
    'POST /staff/login': form(
      fc.constant('/staff/login'),
      {
        email: oneOf(fx.staffEmail, 'nobody@example.org'),
        password: oneOf(fx.staffPassword, 'wrong password here'),
        next: oneOf('/staff', '//evil.example', '/staff/%2e%2e/x', 'javascript:alert(1)'),
      },
      [303, 401],
      { mayChangeOn4xx: attemptCounters.signIn },
    ),
  };
  return Object.entries(specs).map(([route, spec]) => ({ route, ...spec }));
}
