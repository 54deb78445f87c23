import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestDeps } from '../../src/requests/request-deps.ts';
import { submitRequest } from '../../src/requests/requests-service.ts';
import { can, type Permission, staffRoles } from '../../src/staff/permissions.ts';
import { bearerFor, browserSessionFor, type StaffBrowser } from '../helpers/staff.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// Every staff route with the permission that guards it. A route missing here is a route nobody checked.
const apiRoutes: [method: 'get' | 'post', path: string, permission: Permission][] = [
  ['get', '/api/v1/staff/requests', 'queue.view'],
  ['get', '/api/v1/staff/requests/counts', 'queue.view'],
  ['get', '/api/v1/staff/requests/{ref}', 'request.view'],
  ['get', '/api/v1/staff/support?q={ref}', 'request.lookup'],
  ['post', '/api/v1/marketing/recipients', 'marketing.check'],
  ['get', '/api/v1/staff/reports/metrics', 'reports.view'],
  ['get', '/api/v1/staff/dashboard', 'reports.view'],
  ...(
    ['assign', 'approve', 'deny', 'extend', 'request-info', 'resume', 'retry', 'cancel', 'note'] as const
  ).map((action): ['post', string, Permission] => [
    'post',
    `/api/v1/staff/requests/{ref}/${action}`,
    `request.${action}`,
  ]),
];
const pageRoutes: [path: string, permission: Permission][] = [
  ['/staff', 'queue.view'],
  ['/staff/requests/{ref}', 'request.view'],
  ['/staff/support?q={ref}', 'request.lookup'],
  ['/staff/dashboard', 'reports.view'],
  ['/staff/reports', 'reports.view'],
  ['/staff/reports/metrics.csv', 'reports.view'],
];

describe('permissions matrix over HTTP: every role × every staff route', () => {
  let rt: TestRuntime;
  let reference: string;
  const bearers: Record<string, string> = {};
  const browsers: Record<string, StaffBrowser> = {};

  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false });
    const deps: RequestDeps = { ...rt.requests, now: rt.now };
    ({ reference } = await submitRequest(
      deps,
      { type: 'access', law: 'gdpr', email: 'matrix@example.org' },
      { channel: 'api', locale: 'en' },
    ));
    for (const role of staffRoles) {
      bearers[role] = await bearerFor(rt, role);
      browsers[role] = await browserSessionFor(rt, role);
    }
  });
  afterAll(async () => {
    await rt.dispose();
  });

  for (const role of staffRoles) {
    for (const [method, path, permission] of apiRoutes) {
      const allowed = can(role, permission);
      it(`${role} ${method.toUpperCase()} ${path} → ${allowed ? 'not forbidden' : '403'}`, async () => {
        const res = await request(rt.app)
          [method](path.replace('{ref}', reference))
          .set('Authorization', bearers[role]!)
          .set('Accept', 'application/json')
          // A stale version: allowed roles get past the permission check and stop at 409/400, never 403.
          .send(
            method === 'post' ? { version: 999, reason: 'other', message: 'matrix test message' } : undefined,
          );
        if (allowed) expect(res.status).not.toBe(403);
        else expect(res.status).toBe(403);
        expect(res.status).not.toBe(401);
      });
    }
    for (const [path, permission] of pageRoutes) {
      const allowed = can(role, permission);
      it(`${role} page ${path} → ${allowed ? '200' : '403'}`, async () => {
        const res = await browsers[role]!.agent.get(path.replace('{ref}', reference)).set(
          'Accept',
          'text/html',
        );
        expect(res.status).toBe(allowed ? 200 : 403);
      });
    }
  }

  it('no credentials → 401 on every API route', async () => {
    for (const [method, path] of apiRoutes) {
      const res = await request(rt.app)
        [method](path.replace('{ref}', reference))
        .set('Accept', 'application/json');
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });
});
