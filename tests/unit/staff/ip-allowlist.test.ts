import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/http/app-error.ts';
import { staffIpAllowlist } from '../../../src/staff/staff-auth.ts';

function run(cidrs: string[], ip: string | undefined): unknown {
  let passed: unknown = 'not called';
  const req = { ip, method: 'GET', path: '/staff' } as unknown as Request;
  staffIpAllowlist(cidrs)(req, {} as Response, (error?: unknown) => {
    passed = error;
  });
  return passed;
}
const allowed = (cidrs: string[], ip: string | undefined) => run(cidrs, ip) === undefined;

describe('staffIpAllowlist (STAFF_ALLOWED_IPS)', () => {
  it('no CIDRs → every address passes', () => {
    expect(allowed([], '203.0.113.9')).toBe(true);
    expect(allowed([], undefined)).toBe(true);
  });

  it.each([
    [['10.0.0.0/8'], '10.255.1.2', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['10.0.0.0/8'], '127.0.0.1', false],
    [['127.0.0.0/8'], '127.0.0.1', true],
    [['127.0.0.0/8'], '::ffff:127.0.0.1', true],
    [['192.168.1.0/24'], '192.168.1.255', true],
    [['192.168.1.0/24'], '192.168.2.1', false],
    [['203.0.113.7/32'], '203.0.113.7', true],
    [['203.0.113.7/32'], '203.0.113.8', false],
    [['2001:db8::/32'], '2001:db8:1::5', true],
    [['2001:db8::/32'], '2001:db9::5', false],
    [['::1/128'], '::1', true],
    [['::1/128'], '127.0.0.1', false],
    [['10.0.0.0/8', '2001:db8::/32'], '2001:db8::1', true],
    [['10.0.0.0/8', '2001:db8::/32'], '10.1.1.1', true],
  ])('%j from %s → allowed %s', (cidrs, ip, expected) => {
    expect(allowed(cidrs, ip)).toBe(expected);
  });

  it('a refused address or no address → NOT_FOUND (404: nothing to see), not FORBIDDEN', () => {
    for (const ip of ['8.8.8.8', undefined]) {
      const error = run(['10.0.0.0/8'], ip);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('NOT_FOUND');
    }
  });
});
