import fc from 'fast-check';
import { SIGNATURE_HEADER, signBody } from '../../../src/fulfilment/http/signature.ts';
import { authorization, getCase, type Headers, jsonCase, oneOf } from './cases.ts';
import type { PublicApiRoute } from './catalogue.ts';
import { segment } from './form-bodies.ts';
import { hostileString } from './hostile.ts';
import { jsonBody, jsonString } from './json-bodies.ts';
import type { Endpoint } from './run.ts';
import { attemptCounters } from './snapshot.ts';

export type PublicApiFixtures = {
  /** Tokens of unverified requests' links (each verifies once). */
  verifyTokens: string[];
  /** A token already used, and a status token (the wrong purpose for these endpoints). */
  usedToken: string;
  statusToken: string;
  references: string[];
  /** A DPO's `Authorization` value; throwaway ones for the logout fuzz (each logs out once). */
  bearer: string;
  throwawayBearers: string[];
  staffEmail: string;
  staffPassword: string;
  /** The demo newsletter's shared secret: callbacks from it and calls to its hook are signed with it. */
  newsletterSecret: string;
};

const email = jsonString(
  'ada@example.org',
  'grace@example.org',
  'linus@example.org',
  ' ADA@Example.ORG ',
  'a@b',
  'not-an-email',
  '"quoted"@example.org',
  `${'x'.repeat(250)}@example.org`,
  'ada@example.org\u0000',
);
const requestShape = {
  type: jsonString('access', 'access', 'erase', 'opt_out', 'rectify', 'ACCESS', 'delete'),
  law: jsonString('gdpr', 'uk-gdpr', 'ccpa', 'caloppa', 'lgpd', 'gdpr', 'GDPR', 'martian'),
  email,
  name: jsonString('Ada Lovelace', 'Ada\nLovelace', ''),
  details: jsonString('Please send my data.', 'line\nbreak\ttab'),
  corrections: fc.constantFrom(
    '[{"field":"name","value":"Ada"}]',
    '[{"field":"name","value":"Ada"}]',
    '[]',
    '[{"field":"","value":""}]',
    '[{"field":"name"}]',
    '[{"field":"name","value":"Ada","extra":1}]',
    `[${Array.from({ length: 21 }, () => '{"field":"a","value":"b"}').join(',')}]`,
  ),
  locale: jsonString('en', 'pl', 'pl-PL', 'zz', 'e', 'en_US'),
};

/** A token field: a real one, the wrong kind, a forged one, or anything. */
const tokenShape = (fx: PublicApiFixtures) => ({
  token: fc.oneof(
    { weight: 3, arbitrary: jsonString(...fx.verifyTokens, fx.usedToken, fx.statusToken) },
    {
      weight: 1,
      arbitrary: jsonString(
        `${fx.usedToken.slice(0, -4)}AAAA`,
        'eyJhbGciOiJub25lIn0.eyJwdXJwb3NlIjoidmVyaWZ5In0.',
      ),
    },
    { weight: 1, arbitrary: hostileString.map((s) => JSON.stringify(s)) },
  ),
});

const callbackShape = (fx: PublicApiFixtures) => ({
  reference: jsonString(...fx.references, 'RD-2222-3333', 'rd-2222-3333'),
  action: jsonString('access', 'erase', 'rectify', 'opt_out', 'delete'),
  status: jsonString('done', 'failed', 'pending'),
  error: jsonString('locked', ''),
  receipt: fc.constantFrom('{"deleted":1}', '{}', '{"found":-1}', '[]'),
  records: fc.constantFrom('{"subscriptions":[{"list":"news"}]}', '{}', '{"a":[1,2]}', '[]'),
});

const hookShape = {
  action: jsonString('access', 'erase', 'opt_out', 'rectify'),
  reference: jsonString('RD-2222-3333', ''),
  subject: fc.constantFrom('{"email":"ada@example.com"}', '{}', '{"email":""}', '"ada@example.com"'),
  callbackUrl: jsonString('https://evil.example/cb', 'javascript:alert(1)', 'not a url'),
};

/**
 * Signs the body the way a source does (most of the time), else sends a stale, malformed or no
 * signature. Computed when the case is generated, just before it is sent: the clock is real time.
 */
function signed(secret: string, body: fc.Arbitrary<string>) {
  return fc.tuple(body, fc.integer({ min: 0, max: 9 })).map(([text, pick]): [string, Headers] => {
    const now = new Date();
    const header =
      pick < 6
        ? signBody(secret, text, now)
        : pick === 6
          ? signBody(secret, text, new Date(now.getTime() - 3_600_000))
          : pick === 7
            ? signBody('another-secret-entirely', text, now)
            : pick === 8
              ? `t=${Math.floor(now.getTime() / 1000)},v1=zz`
              : undefined;
    return [text, { [SIGNATURE_HEADER]: header }];
  });
}

function signedJsonCase(
  path: fc.Arbitrary<string>,
  secret: string,
  shape: Record<string, fc.Arbitrary<string>>,
) {
  return fc
    .tuple(path, signed(secret, jsonBody(shape)))
    .chain(([p, [text, signature]]) =>
      jsonCase('POST', fc.constant(p), shape, fc.constant(signature), fc.constant(text)),
    );
}

const plainGet = (path: string, kind: 'json' | 'html' = 'html'): Omit<Endpoint, 'route'> => ({
  kind,
  cases: getCase(fc.constant(path), { format: oneOf('json', 'text'), lang: oneOf('pl', 'xx') }),
  reaches: [200],
});

/** The JSON API a subject, a mailer, a data source or a staff client calls without a staff session. */
export function publicApiEndpoints(fx: PublicApiFixtures): Endpoint[] {
  const bearer = authorization(fx.bearer);
  const specs: Record<PublicApiRoute, Omit<Endpoint, 'route'>> = {
    'POST /api/v1/requests': {
      kind: 'json',
      cases: jsonCase('POST', fc.constant('/api/v1/requests'), requestShape, fc.constant({ 'sec-gpc': '1' })),
      fields: Object.keys(requestShape),
      reaches: [400],
    },
    'POST /api/v1/verifications': {
      kind: 'json',
      cases: jsonCase('POST', fc.constant('/api/v1/verifications'), tokenShape(fx)),
      fields: ['token'],
      reaches: [400, 409],
    },
    'POST /api/v1/verifications/resend': {
      kind: 'json',
      cases: jsonCase('POST', fc.constant('/api/v1/verifications/resend'), tokenShape(fx)),
      fields: ['token'],
      reaches: [202, 409],
    },
    'POST /api/v1/staff/login': {
      kind: 'json',
      cases: jsonCase('POST', fc.constant('/api/v1/staff/login'), {
        email: jsonString(fx.staffEmail, fx.staffEmail.toUpperCase(), 'nobody@example.org'),
        password: jsonString(fx.staffPassword, 'wrong password here', ''),
      }),
      fields: ['email', 'password'],
      mayChangeOn4xx: attemptCounters.signIn,
      reaches: [401],
    },
    'POST /api/v1/staff/logout': {
      kind: 'json',
      cases: jsonCase(
        'POST',
        fc.constant('/api/v1/staff/logout'),
        {},
        fc.oneof(
          fc.constantFrom(...fx.throwawayBearers).map((authorization) => ({ authorization })),
          authorization('Bearer not.a.token'),
        ),
      ),
      reaches: [204, 401],
    },
    'POST /api/v1/marketing/recipients': {
      kind: 'json',
      cases: jsonCase(
        'POST',
        fc.constant('/api/v1/marketing/recipients'),
        {
          emails: fc.constantFrom(
            '["ada@example.org"]',
            '[]',
            '["ada@example.org"," GRACE@example.org ","not an email"]',
            `[${Array.from({ length: 1001 }, (_, i) => `"a${i}@example.org"`).join(',')}]`,
            '"ada@example.org"',
            '[null]',
          ),
        },
        bearer,
      ),
      fields: ['emails'],
      reaches: [200, 400],
    },
    'POST /api/v1/callbacks/:source': {
      kind: 'json',
      cases: signedJsonCase(
        fc
          .oneof({ weight: 3, arbitrary: fc.constant('demo_newsletter') }, segment(['demo_product']))
          .map((s) => `/api/v1/callbacks/${s}`),
        fx.newsletterSecret,
        callbackShape(fx),
      ),
      fields: Object.keys(callbackShape(fx)),
      mayChangeOn4xx: attemptCounters.callbacks,
      reaches: [400, 409],
    },
    'POST /demo/newsletter/hook': {
      // Outside /api: the error middleware's refusals (413, 415) follow Accept, its own are problem+json.
      kind: 'html',
      cases: signedJsonCase(fc.constant('/demo/newsletter/hook'), fx.newsletterSecret, hookShape),
      foreignProblems: true,
      reaches: [200, 400],
    },
    'GET /healthz': plainGet('/healthz'),
    'GET /readyz': plainGet('/readyz'),
    'GET /metrics': {
      kind: 'html',
      cases: getCase(fc.constant('/metrics'), {}, authorization(fx.bearer)),
      reaches: [200],
    },
    'GET /api/openapi.json': plainGet('/api/openapi.json', 'json'),
    'GET /.well-known/security.txt': plainGet('/.well-known/security.txt'),
    'GET /dev/mailbox.json': plainGet('/dev/mailbox.json'),
    'GET /dev/mailbox': plainGet('/dev/mailbox'),
  };
  return Object.entries(specs).map(([route, spec]) => ({ route, ...spec }));
}
