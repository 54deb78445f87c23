import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffApiRoutes } from '../helpers/fuzz/catalogue.ts';
import { staffApiEndpoints } from '../helpers/fuzz/endpoints-staff-api.ts';
import { staffFuzzRequests } from '../helpers/fuzz/fixtures.ts';
import { createFuzzRuntime, type FuzzRuntime } from '../helpers/fuzz/fuzz-runtime.ts';
import { type Endpoint, fuzzEndpoint, fuzzSeed, runs } from '../helpers/fuzz/run.ts';
import { bearerFor } from '../helpers/staff.ts';

// Item 4 of issue 10: the staff JSON API under random and hostile input, as a signed-in DPO (so the
// fuzz reaches validation and the services), with references, actions and bundle ids fuzzed too.
let f: FuzzRuntime;
let endpoints: Map<string, Endpoint>;
let bearer: string;

beforeAll(async () => {
  f = await createFuzzRuntime();
  const scene = await staffFuzzRequests(f.rt, 'Ada Lovelace');
  bearer = scene.bearer;
  endpoints = new Map(
    staffApiEndpoints({
      ...scene,
      supportBearer: await bearerFor(f.rt, 'support'),
    }).map((e) => [e.route, e]),
  );
}, 120_000);

afterAll(async () => {
  await f?.dispose();
});

describe(`fuzz: the staff JSON API as a DPO (seed ${fuzzSeed})`, () => {
  it.each(staffApiRoutes)(
    '%s: random and hostile requests and path parameters → never a 5xx, problem+json 4xx naming fields, nothing stored on a 4xx',
    async (route) => {
      const endpoint = endpoints.get(route)!;
      const numRuns = runs(route.startsWith('GET ') ? 80 : 200);
      await fuzzEndpoint(f, endpoint, numRuns);
    },
  );

  it('after the fuzz → the queue still answers the DPO', async () => {
    const res = await request(f.rt.app).get('/api/v1/staff/requests?status=all').set('Authorization', bearer);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
  });
});
