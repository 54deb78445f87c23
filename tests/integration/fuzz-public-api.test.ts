import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoNewsletterSecret } from '../../src/fulfilment/demo/demo-sources.ts';
import { publicApiRoutes } from '../helpers/fuzz/catalogue.ts';
import { publicApiEndpoints } from '../helpers/fuzz/endpoints-public-api.ts';
import { fileRequest, fileVerified } from '../helpers/fuzz/fixtures.ts';
import { createFuzzRuntime, type FuzzRuntime } from '../helpers/fuzz/fuzz-runtime.ts';
import { type Endpoint, fuzzEndpoint, fuzzSeed, runs } from '../helpers/fuzz/run.ts';
import { bearerFor, createStaff } from '../helpers/staff.ts';

// Item 4 of issue 10: random and hostile input to every JSON endpoint reachable without a staff
// session (and the staff sign-in itself). FUZZ_SEED replays a run; FUZZ_RUNS_SCALE runs more cases.
let f: FuzzRuntime;
let endpoints: Map<string, Endpoint>;

beforeAll(async () => {
  f = await createFuzzRuntime({ DEMO_SOURCES: 'on', SECURITY_CONTACT: 'mailto:security@example.org' });
  const { rt } = f;
  const dpo = await createStaff(rt, { role: 'dpo' });
  const victim = await createStaff(rt, { role: 'support' });
  const unverified = await Promise.all([1, 2, 3, 4, 5].map(() => fileRequest(rt)));
  const used = await fileVerified(rt);
  const fx = {
    verifyTokens: unverified.map((r) => r.verifyToken!),
    usedToken: used.verifyToken!,
    statusToken: used.statusToken,
    references: [used.reference, ...unverified.map((r) => r.reference)],
    bearer: await bearerFor(rt, dpo),
    throwawayBearers: [await bearerFor(rt, dpo), await bearerFor(rt, dpo)],
    staffEmail: victim.email,
    staffPassword: victim.password,
    newsletterSecret: demoNewsletterSecret(rt.config.secretKey),
  };
  endpoints = new Map(publicApiEndpoints(fx).map((e) => [e.route, e]));
}, 120_000);

afterAll(async () => {
  await f?.dispose();
});

const heavy = new Set([
  'POST /api/v1/requests',
  'POST /api/v1/callbacks/:source',
  'POST /demo/newsletter/hook',
]);

describe(`fuzz: the public JSON API (seed ${fuzzSeed})`, () => {
  it.each(publicApiRoutes)(
    '%s: random and hostile requests → never a 5xx, problem+json 4xx naming fields, nothing stored on a 4xx',
    async (route) => {
      const endpoint = endpoints.get(route)!;
      const numRuns = runs(route.startsWith('GET ') ? 40 : heavy.has(route) ? 250 : 150);
      await fuzzEndpoint(f, endpoint, numRuns);
    },
  );

  it('after the fuzz → a valid request is still accepted and the database still answers', async () => {
    const res = await request(f.rt.app)
      .post('/api/v1/requests')
      .send({ type: 'access', law: 'gdpr', email: 'after-fuzz@example.org' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'unverified' });
    await request(f.rt.app).get('/readyz').expect(200);
  });
});
