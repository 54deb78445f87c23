import fc from 'fast-check';
import { staffActions } from '../../../src/requests/staff-request-schemas.ts';
import { authorization, getCase, jsonCase, oneOf } from './cases.ts';
import type { StaffApiRoute } from './catalogue.ts';
import type { StaffFuzzIds } from './fixtures.ts';
import { segment } from './form-bodies.ts';
import { hostileString } from './hostile.ts';
import { jsonString } from './json-bodies.ts';
import type { Endpoint } from './run.ts';

export type StaffApiFixtures = StaffFuzzIds & {
  /** A DPO's `Authorization` value. */
  bearer: string;
  /** Support's: refused the DPO-only routes (403), which must store nothing either. */
  supportBearer: string;
};

const versions = fc.constantFrom('1', '2', '3', '4', '5', '0', '-1', '2.5', '"2"', '1e309', 'null');

const actionShape = (fx: StaffApiFixtures) => ({
  version: versions,
  reason: jsonString('unverifiable', 'other', 'exemption_applies', 'The request needs more time.', 'short'),
  message: jsonString('We could not confirm your identity.', '', ' '),
  assignee: fc.constantFrom(
    JSON.stringify(fx.dpoId),
    'null',
    '"me"',
    '"00000000-0000-0000-0000-000000000000"',
  ),
});

const correctionsShape = {
  version: versions,
  decisions: fc.constantFrom(
    '[{"index":0,"decision":"accepted"}]',
    '[{"index":0,"decision":"rejected"}]',
    '[{"index":0,"decision":"accepted","value":"Ada"}]',
    '[{"index":0,"decision":"rejected","value":"x"}]',
    '[{"index":99,"decision":"accepted"}]',
    '[]',
    `[${Array.from({ length: 51 }, (_, i) => `{"index":${i % 50},"decision":"accepted"}`).join(',')}]`,
  ),
};

const queueQuery = {
  status: oneOf('open', 'all', 'pending_review,unverified', 'closed', 'OPEN'),
  type: oneOf('access', 'erase,rectify', 'delete'),
  law: oneOf('gdpr', 'ccpa,uk-gdpr', 'mars'),
  assignee: oneOf('me', 'none', '00000000-0000-0000-0000-000000000000', 'someone'),
  overdue: oneOf('true', 'false', 'yes'),
  q: oneOf('RD-2222-3333', 'rd22223333', 'ada@example.org', 'ada'),
  limit: oneOf('1', '100', '101', '0', '-1', '1e3'),
  cursor: oneOf('WyIyMDI2LTAxLTAxIiwiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIl0', 'garbage', 'W10'),
};

/** A DPO most of the time; support, a broken header or none now and then. */
const staffHeaders = (fx: StaffApiFixtures) =>
  fc.oneof(
    { weight: 6, arbitrary: authorization(fx.bearer) },
    { weight: 1, arbitrary: fc.constant({ authorization: fx.supportBearer }) },
  );

/** The staff JSON API (Bearer), path parameters fuzzed along with bodies and queries. */
export function staffApiEndpoints(fx: StaffApiFixtures): Endpoint[] {
  const reference = segment([...fx.references, ...fx.references.map((r) => r.toLowerCase()), 'RD-2222-3333']);
  const bundle = segment([...fx.bundleIds, '00000000-0000-0000-0000-000000000000']);
  const at = (suffix = '') => reference.map((r) => `/api/v1/staff/requests/${r}${suffix}`);
  const withBundle = (suffix: string) =>
    fc.tuple(reference, bundle).map(([r, b]) => `/api/v1/staff/requests/${r}/exports/${b}${suffix}`);
  const headers = staffHeaders(fx);
  const get = (path: fc.Arbitrary<string>, query = {}): Omit<Endpoint, 'route'> => ({
    kind: 'json',
    cases: getCase(path, query, headers),
    fields: Object.keys(query),
    reaches: [200, 404],
  });
  const post = (path: fc.Arbitrary<string>, reaches: number[]): Omit<Endpoint, 'route'> => ({
    kind: 'json',
    cases: jsonCase('POST', path, {}, headers),
    reaches,
  });
  const specs: Record<StaffApiRoute, Omit<Endpoint, 'route'>> = {
    'GET /api/v1/staff/requests/counts': get(fc.constant('/api/v1/staff/requests/counts')),
    'GET /api/v1/staff/requests': {
      ...get(fc.constant('/api/v1/staff/requests'), queueQuery),
      reaches: [400],
    },
    'GET /api/v1/staff/requests/:reference': get(at()),
    'POST /api/v1/staff/requests/:reference/:action': {
      kind: 'json',
      cases: jsonCase(
        'POST',
        fc
          .tuple(reference, fc.oneof(fc.constantFrom(...staffActions), segment([])))
          .map(([r, a]) => `/api/v1/staff/requests/${r}/${a}`),
        actionShape(fx),
        headers,
      ),
      fields: Object.keys(actionShape(fx)),
      reaches: [400, 409],
    },
    'GET /api/v1/staff/requests/:reference/erasure-plan': get(at('/erasure-plan')),
    'GET /api/v1/staff/requests/:reference/rectification': get(at('/rectification')),
    'PUT /api/v1/staff/requests/:reference/corrections': {
      kind: 'json',
      cases: jsonCase('PUT', at('/corrections'), correctionsShape, headers),
      fields: Object.keys(correctionsShape),
      reaches: [400, 409],
    },
    'GET /api/v1/staff/requests/:reference/exports': get(at('/exports')),
    'POST /api/v1/staff/requests/:reference/exports/rebuild': post(at('/exports/rebuild'), [404, 409]),
    'POST /api/v1/staff/requests/:reference/exports/:bundleId/release': post(
      withBundle('/release'),
      [404, 409],
    ),
    'POST /api/v1/staff/requests/:reference/exports/:bundleId/revoke': post(
      withBundle('/revoke'),
      [404, 409],
    ),
    'GET /api/v1/staff/requests/:reference/exports/:bundleId/preview': get(withBundle('/preview')),
    'GET /api/v1/staff/support': {
      ...get(fc.constant('/api/v1/staff/support'), { q: fc.oneof(oneOf(...fx.references), hostileString) }),
      reaches: [200],
    },
    'GET /api/v1/staff/reports/metrics': {
      ...get(fc.constant('/api/v1/staff/reports/metrics'), {
        year: oneOf('2026', '1999', '2101', 'last', '2026.0'),
        law: oneOf('all', 'ccpa', 'mars'),
      }),
      reaches: [200, 400],
    },
    'GET /api/v1/staff/dashboard': { ...get(fc.constant('/api/v1/staff/dashboard')), reaches: [200] },
  };
  return Object.entries(specs).map(([route, spec]) => ({ route, ...spec }));
}
