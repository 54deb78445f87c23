import fc from 'fast-check';
import { staffActions } from '../../../src/requests/staff-request-schemas.ts';
import { formCase, getCase, type Headers, oneOf } from './cases.ts';
import type { StaffFormRoute } from './catalogue.ts';
import { type Browser, browsers } from './endpoints-public-forms.ts';
import type { StaffFuzzIds } from './fixtures.ts';
import { segment } from './form-bodies.ts';
import type { Endpoint } from './run.ts';
import { attemptCounters } from './snapshot.ts';

export type StaffFormFixtures = StaffFuzzIds & {
  /** A DPO's browser: CSRF and session cookies, and the session-bound token. */
  dpo: Browser;
  /** A browser whose session the logout fuzz may end. */
  throwaway: Browser;
};

const version = oneOf('1', '2', '3', '4', '5', '0', 'x', '1.5');

/** The DPO's pages and forms (cookie session, session-bound CSRF), references and bundle ids fuzzed. */
export function staffFormEndpoints(fx: StaffFormFixtures): Endpoint[] {
  const browser = browsers(fx.dpo);
  const cookie: fc.Arbitrary<Headers> = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ cookie: fx.dpo.cookie }) },
    { weight: 1, arbitrary: fc.constantFrom({}, { cookie: 'rd_staff=eyJhbGciOiJub25lIn0.e30.' }) },
  );
  const reference = segment([...fx.references, ...fx.references.map((r) => r.toLowerCase()), 'RD-2222-3333']);
  const bundle = segment([...fx.bundleIds, '00000000-0000-0000-0000-000000000000']);
  const at = (suffix = '') => reference.map((r) => `/staff/requests/${r}${suffix}`);
  const withBundle = (suffix: string) =>
    fc.tuple(reference, bundle).map(([r, b]) => `/staff/requests/${r}/exports/${b}${suffix}`);
  const page = (path: fc.Arbitrary<string>, query = {}, reaches = [200]): Omit<Endpoint, 'route'> => ({
    kind: 'html',
    cases: getCase(path, query, cookie),
    fields: Object.keys(query),
    reaches,
  });
  const form = (
    path: fc.Arbitrary<string>,
    shape: Record<string, fc.Arbitrary<string>>,
    reaches: number[],
    who = browser,
  ): Omit<Endpoint, 'route'> => ({
    kind: 'html',
    cases: formCase(path, shape, who),
    fields: Object.keys(shape),
    reaches,
    mayChangeOn4xx: attemptCounters.accessRecords,
  });
  const refsAtVersions = fx.references.flatMap((r) => ['1', '2', '3', '4'].map((v) => `${r}@${v}`));
  const specs: Record<StaffFormRoute, Omit<Endpoint, 'route'>> = {
    'GET /staff': page(
      fc.constant('/staff'),
      {
        status: oneOf('open', 'all', 'closed'),
        q: oneOf(...fx.references, 'ada@example.org', 'ada'),
        limit: oneOf('1', '101'),
        cursor: oneOf('garbage'),
      },
      [200, 400],
    ),
    'POST /staff/queue/bulk': form(
      fc.constant('/staff/queue/bulk'),
      {
        action: oneOf('assign-to-me', 'approve', 'delete'),
        selected: oneOf(...refsAtVersions, 'RD-2222-3333@1', 'nonsense'),
        filters: oneOf('status=open', 'limit=1000', '%%%'),
      },
      [200, 400],
    ),
    'GET /staff/requests/:reference': page(at(), { done: oneOf('approve', 'nonsense') }, [200, 404]),
    'POST /staff/requests/:reference/:action': form(
      fc
        .tuple(reference, fc.oneof(fc.constantFrom(...staffActions), segment([])))
        .map(([r, a]) => `/staff/requests/${r}/${a}`),
      {
        version,
        reason: oneOf('unverifiable', 'other', 'The request needs more time.', 'short'),
        message: oneOf('We could not confirm your identity.', ''),
        assignee: oneOf(fx.dpoId, '', 'someone'),
      },
      [303, 400, 409],
    ),
    'POST /staff/requests/:reference/corrections': form(
      at('/corrections'),
      {
        version,
        index: oneOf('0', '1', '99', '-1', 'x'),
        decision: oneOf('accepted', 'rejected', 'maybe'),
        value: oneOf('Ada Lovelace', ''),
      },
      [303, 400, 404, 409],
    ),
    'GET /staff/requests/:reference/exports/:bundleId/preview': page(withBundle('/preview'), {}, [200, 404]),
    'POST /staff/requests/:reference/exports/rebuild': form(at('/exports/rebuild'), {}, [303, 404, 409]),
    'POST /staff/requests/:reference/exports/:bundleId/release': form(
      withBundle('/release'),
      {},
      [303, 404, 409],
    ),
    'POST /staff/requests/:reference/exports/:bundleId/revoke': form(
      withBundle('/revoke'),
      {},
      [303, 404, 409],
    ),
    'GET /staff/support': page(
      fc.constant('/staff/support'),
      { q: oneOf(...fx.references, 'ada@example.org', 'x'.repeat(255)), noted: oneOf('1') },
      [200],
    ),
    'POST /staff/support/:reference/note': form(
      reference.map((r) => `/staff/support/${r}/note`),
      { version, message: oneOf('Called back; told the due date.', '') },
      [303, 400, 409],
    ),
    'POST /staff/logout': form(fc.constant('/staff/logout'), {}, [303], browsers(fx.throwaway)),
    'GET /staff/reports': page(
      fc.constant('/staff/reports'),
      { year: oneOf('2026', '1999'), law: oneOf('ccpa', 'x') },
      [200, 400],
    ),
    'GET /staff/reports/metrics.csv': page(
      fc.constant('/staff/reports/metrics.csv'),
      { year: oneOf('2026', 'x') },
      [200, 400],
    ),
    'GET /staff/dashboard': page(fc.constant('/staff/dashboard')),
  };
  return Object.entries(specs).map(([route, spec]) => ({ route, ...spec }));
}
