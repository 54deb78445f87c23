import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicFormRoutes } from '../helpers/fuzz/catalogue.ts';
import { publicFormEndpoints } from '../helpers/fuzz/endpoints-public-forms.ts';
import {
  deliveredExport,
  fileRequest,
  fileVerified,
  openBrowser,
  staffAct,
  unsubscribeTokenFor,
} from '../helpers/fuzz/fixtures.ts';
import { createFuzzRuntime, type FuzzRuntime } from '../helpers/fuzz/fuzz-runtime.ts';
import { type Endpoint, fuzzEndpoint, fuzzSeed, runs } from '../helpers/fuzz/run.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';

// Item 4 of issue 10: the subject's forms and pages under random and hostile input, posted by a
// browser holding a valid CSRF token (so the fuzz reaches validation) and, now and then, without.
let f: FuzzRuntime;
let endpoints: Map<string, Endpoint>;

beforeAll(async () => {
  f = await createFuzzRuntime();
  const { rt } = f;
  const bearer = await bearerFor(rt, 'dpo');
  const victim = await createStaff(rt, { role: 'support' });
  const unverified = [await fileRequest(rt), await fileRequest(rt), await fileRequest(rt)];
  const pending = await fileVerified(rt);
  const awaiting = await fileVerified(rt, { type: 'erase', law: 'uk-gdpr' });
  await staffAct(rt, bearer, awaiting.reference, 'request-info', { message: 'Which account?' });
  const delivered = await deliveredExport(rt, bearer);
  endpoints = new Map(
    publicFormEndpoints({
      browser: await openBrowser(f.client),
      verifyTokens: [...unverified.map((r) => r.verifyToken!), pending.verifyToken!],
      statusTokens: [unverified[0]!, pending, awaiting, delivered].map((r) => r.statusToken),
      downloadTokens: [delivered.downloadToken],
      unsubscribeTokens: [unsubscribeTokenFor(rt, 'ada@example.org'), unsubscribeTokenFor(rt, pending.email)],
      staffEmail: victim.email,
      staffPassword: victim.password,
    }).map((e) => [e.route, e]),
  );
}, 120_000);

afterAll(async () => {
  await f?.dispose();
});

describe(`fuzz: the subject's forms and pages (seed ${fuzzSeed})`, () => {
  it.each(publicFormRoutes)(
    '%s: random and hostile forms, tokens and queries, with and without CSRF → never a 5xx, no raw markup echoed, nothing stored on a 4xx',
    async (route) => {
      const endpoint = endpoints.get(route)!;
      await fuzzEndpoint(f, endpoint, runs(route.startsWith('GET ') ? 50 : 160));
    },
  );

  it('after the fuzz → the form still files a request', async () => {
    const browser = await openBrowser(f.client);
    const body = new URLSearchParams({
      _csrf: browser.csrf,
      type: 'access',
      region: 'eu',
      email: 'after-fuzz@example.org',
    });
    const got = await f.client.send({
      method: 'POST',
      path: '/requests',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookie },
      body: body.toString(),
    });
    expect(got.status).toBe(303);
    expect(got.headers.location).toMatch(/^\/requests\/received\?ref=RD-/);
  });
});
