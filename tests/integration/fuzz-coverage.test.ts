import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { fuzzedRoutes, registeredRoutes } from '../helpers/fuzz/catalogue.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// A route nobody fuzzes is noticed here: the router's own list (every optional feature on: the demo
// sources, security.txt, the dev mailbox) must equal the routes the fuzz-*.test.ts files cover.
let rt: TestRuntime;
let registered: string[];

beforeAll(async () => {
  rt = await createTestRuntime({
    worker: false,
    env: { DEMO_SOURCES: 'on', SECURITY_CONTACT: 'mailto:security@example.org' },
  });
  registered = registeredRoutes(rt.app as unknown as Parameters<typeof registeredRoutes>[0]);
}, 60_000);

afterAll(async () => {
  await rt?.dispose();
});

describe('fuzz coverage', () => {
  it('the router lists its routes → more than 60, each once', () => {
    expect(registered.length).toBeGreaterThan(60);
    expect(new Set(registered).size).toBe(registered.length);
  });

  it('every route the app registers → is in a fuzz file (a new route must be added to tests/helpers/fuzz)', () => {
    const unfuzzed = registered.filter((r) => !fuzzedRoutes.includes(r));
    expect(unfuzzed).toEqual([]);
  });

  it('every fuzzed route → is still registered (no stale entry hides a renamed route)', () => {
    const stale = fuzzedRoutes.filter((r) => !registered.includes(r));
    expect(stale).toEqual([]);
  });

  it('every operation in /api/openapi.json → is fuzzed', () => {
    const documented = Object.entries(openApiDocument('http://localhost').paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // The staff action routes are documented one per action; the router has one pattern for them.
    const routeOf = (op: string) =>
      op.replace(
        /^POST \/api\/v1\/staff\/requests\/:reference\/(assign|approve|deny|extend|request-info|resume|retry|cancel|note)$/,
        'POST /api/v1/staff/requests/:reference/:action',
      );
    const missing = documented.map(routeOf).filter((op) => !fuzzedRoutes.includes(op));
    expect(documented.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });
});
