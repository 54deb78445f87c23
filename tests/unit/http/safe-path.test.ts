import { describe, expect, it } from 'vitest';
import { safePath } from '../../../src/logger.ts';

describe('safePath (what request logs keep of a URL)', () => {
  it.each([
    ['/verify/eyJhbGciOi.abc.def', '/verify/[token]'],
    ['/status/eyJhbGciOi.abc.def/cancel', '/status/[token]/cancel'],
    ['/download/tok', '/download/[token]'],
    ['/api/v1/staff/requests?q=jane%40example.org', '/api/v1/staff/requests'],
    ['/healthz', '/healthz'],
  ])('%s → %s', (input, expected) => {
    expect(safePath(input)).toBe(expected);
  });
});
