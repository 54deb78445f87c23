import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookBackoffMs } from '../../../src/webhooks/webhooks-service.ts';
import { webhookSettings } from '../../../src/webhooks/webhooks-settings.ts';
import { signWebhook } from '../../../src/webhooks/webhooks-signature.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook settings', () => {
  it('neither set → off; both set and valid → the URL and the decoded 32-byte key', () => {
    expect(webhookSettings(undefined, undefined, true)).toBeUndefined();
    const on = webhookSettings('https://hooks.example.org/rd', secret, true);
    expect(on).toMatchObject({ url: 'https://hooks.example.org/rd' });
    expect((on as { key: Buffer }).key).toHaveLength(32);
  });

  it.each([
    ['a URL without a secret', 'https://hooks.example.org', undefined, true, 'WEBHOOK_SECRET', /required/],
    ['a secret without a URL', undefined, secret, true, 'WEBHOOK_URL', /required/],
    ['not a URL', 'hooks.example.org', secret, false, 'WEBHOOK_URL', /http\(s\) URL/],
    ['an ftp URL', 'ftp://hooks.example.org', secret, false, 'WEBHOOK_URL', /http\(s\) URL/],
    [
      'a URL with a password (fetch refuses them)',
      'https://u:p@hooks.example.org',
      secret,
      false,
      'WEBHOOK_URL',
      /user name or password/,
    ],
    [
      'plain http to another host in production',
      'http://hooks.example.org',
      secret,
      true,
      'WEBHOOK_URL',
      /https/,
    ],
    ['a secret without whsec_', 'https://h.example.org', 'x'.repeat(40), true, 'WEBHOOK_SECRET', /whsec_/],
    [
      'a key of 8 bytes',
      'https://h.example.org',
      `whsec_${randomBytes(8).toString('base64')}`,
      true,
      'WEBHOOK_SECRET',
      /24 to 64/,
    ],
  ])('%s → a problem naming %s', (_label, url, key, production, variable, problem) => {
    const result = webhookSettings(url, key, production) as { variable: string; problem: string };
    expect(result.variable).toBe(variable);
    expect(result.problem).toMatch(problem);
  });

  it('plain http to this host, or anywhere outside production → allowed (a local receiver, a test bench)', () => {
    expect(webhookSettings('http://127.0.0.1:9000/h', secret, true)).toHaveProperty('url');
    expect(webhookSettings('http://localhost:9000/h', secret, true)).toHaveProperty('url');
    expect(webhookSettings('http://[::1]:9000/h', secret, true)).toHaveProperty('url');
    expect(webhookSettings('http://127.8.0.1:9000/h', secret, true)).toHaveProperty('url');
    expect(webhookSettings('http://128.0.0.1:9000/h', secret, true)).toHaveProperty('problem');
    expect(webhookSettings('http://hooks.internal/h', secret, false)).toHaveProperty('url');
  });
});

describe('webhook signature', () => {
  it('signed here → verified by the Standard Webhooks reference library; a changed body → refused', () => {
    const { key } = webhookSettings('https://h.example.org', secret, true) as { key: Buffer };
    const body = JSON.stringify({
      type: 'request.received',
      timestamp: '2026-01-09T18:00:00.000Z',
      data: {},
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(key, 'evt_1', timestamp, body),
    };
    const receiver = new Webhook(secret);
    expect(receiver.verify(body, headers)).toMatchObject({ type: 'request.received' });
    expect(() => receiver.verify(body.replace('received', 'verified'), headers)).toThrow();
    expect(headers['webhook-signature']).toBe(receiver.sign('evt_1', new Date(timestamp * 1000), body));
  });

  it('backoff → 5 s, doubling, never more than an hour', () => {
    expect([1, 2, 3, 4].map(webhookBackoffMs)).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(webhookBackoffMs(30)).toBe(3_600_000);
  });
});
