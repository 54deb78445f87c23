import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safePath } from '../../src/logger.ts';
import { browserSessionFor, createStaff } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// Routers match paths case-insensitively; the checks that keep cookies out of the JSON API (which has
// no CSRF protection) look at the lower-case prefix. /API/… must not be a way round them.
describe('the API prefix is exactly /api/', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  it('a signed-in staff browser POSTs to /API/… with its cookie and no body → 404, session still alive', async () => {
    const dpo = await createStaff(rt, { role: 'dpo' });
    const browser = await browserSessionFor(rt, dpo);
    for (const path of ['/API/v1/staff/logout', '/Api/v1/staff/requests/RD-2222-2222/exports/x/release']) {
      const res = await browser.agent.post(path).set('Content-Length', '0');
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    await browser.agent.get('/staff').expect(200);
    await request(rt.app).get('/API/openapi.json').expect(404);
    await request(rt.app).get('/api/openapi.json').expect(200);
  });

  it('log paths: tokens are masked whatever the case of the route', () => {
    expect(safePath('/VERIFY/abc.def?x=1')).toBe('/VERIFY/[token]');
    expect(safePath('/Status/abc')).toBe('/Status/[token]');
  });
});
