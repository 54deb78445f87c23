import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffFormRoutes } from '../helpers/fuzz/catalogue.ts';
import { staffFormEndpoints } from '../helpers/fuzz/endpoints-staff-forms.ts';
import { staffBrowser, staffFuzzRequests } from '../helpers/fuzz/fixtures.ts';
import { createFuzzRuntime, type FuzzRuntime } from '../helpers/fuzz/fuzz-runtime.ts';
import { type Endpoint, fuzzEndpoint, fuzzSeed, runs } from '../helpers/fuzz/run.ts';

// Item 4 of issue 10: the DPO's pages and forms under random and hostile input, from a browser
// signed in by cookie with the session-bound CSRF token (and now and then without it).
let f: FuzzRuntime;
let endpoints: Map<string, Endpoint>;
let dpoCookie: string;

beforeAll(async () => {
  f = await createFuzzRuntime();
  const { dpo, ...ids } = await staffFuzzRequests(f.rt, 'Ada L.');
  const browser = await staffBrowser(f.client, dpo);
  dpoCookie = browser.cookie;
  endpoints = new Map(
    staffFormEndpoints({
      ...ids,
      dpo: browser,
      throwaway: await staffBrowser(f.client, dpo),
    }).map((e) => [e.route, e]),
  );
}, 120_000);

afterAll(async () => {
  await f?.dispose();
});

describe(`fuzz: the DPO's pages and forms (seed ${fuzzSeed})`, () => {
  it.each(staffFormRoutes)(
    '%s: random and hostile forms, references and queries, with and without CSRF → never a 5xx, no raw markup echoed, nothing stored on a 4xx',
    async (route) => {
      const endpoint = endpoints.get(route)!;
      await fuzzEndpoint(f, endpoint, runs(route.startsWith('GET ') ? 50 : 160));
    },
  );

  it('after the fuzz → the DPO still sees the queue page', async () => {
    const got = await f.client.send({
      method: 'GET',
      path: '/staff',
      headers: { accept: 'text/html', cookie: dpoCookie },
    });
    expect(got.status).toBe(200);
    expect(got.text).toContain('RD-');
  });
});
