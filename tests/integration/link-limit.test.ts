import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generousLimits, quietSweep } from '../helpers/intake.ts';
import { createTestRuntime, type TestRuntime, testConfig } from '../helpers/test-runtime.ts';

// The emailed links' limiter (POST /verify, /api/v1/verifications, /status, /download) per client IP.
describe('LINK_LIMIT_PER_IP', () => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await createTestRuntime({
      env: { ...quietSweep, ...generousLimits, LINK_LIMIT_PER_IP: '3' },
      worker: false,
    });
  });
  afterAll(async () => {
    await rt.dispose();
  });

  const verify = () => request(rt.app).post('/api/v1/verifications').send({ token: 'not-a-token' });

  it('LINK_LIMIT_PER_IP=3 → three link POSTs answer, the fourth from that IP is 429 RATE_LIMITED', async () => {
    for (let i = 0; i < 3; i++) expect((await verify()).status).toBe(400);
    const limited = await verify();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
  });

  it('LINK_LIMIT_PER_IP=0 → start-up stops naming the variable', () => {
    expect(() => testConfig({ LINK_LIMIT_PER_IP: '0' })).toThrow(/LINK_LIMIT_PER_IP/);
  });
});
