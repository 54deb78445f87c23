import { describe, expect, it } from 'vitest';
import { lawRule } from '../../../src/deadlines/laws.ts';
import { LAW_IDS } from '../../../src/deadlines/rules.ts';
import { defaultClockSettings } from '../../../src/deadlines/settings.ts';
import { gpcSuppression } from '../../../src/suppression/suppression-service.ts';

const at = (iso: string) => ({
  secretKey: 'unit-test-secret-key-0123456789abcdefghij',
  email: 'gpc@example.org',
  requestId: '00000000-0000-4000-8000-000000000001',
  now: new Date(iso),
});

describe('opt-out preference signals (GPC) by law', () => {
  it('the laws whose signal is an opt-out → California and the five universal opt-out mechanism states', () => {
    const honouring = LAW_IDS.filter((law) => lawRule(law, defaultClockSettings).optOutSignal);
    expect(honouring.sort()).toEqual(['ccpa', 'cpa', 'ctdpa', 'mcdpa', 'ocpa', 'tdpsa']);
  });

  it('Oregon: a signal the day before its mechanism is required → nothing; on the day → a suppression', () => {
    const signal = lawRule('ocpa', defaultClockSettings).optOutSignal;
    expect(signal?.from).toBe('2026-01-01');
    expect(gpcSuppression({ ...at('2025-12-31T23:59:59.000Z'), signal })).toBeUndefined();
    expect(gpcSuppression({ ...at('2026-01-01T00:00:00.000Z'), signal })).toMatchObject({
      scope: 'sale_sharing',
      origin: 'gpc',
    });
  });

  it('California: no start date → honoured whenever received', () => {
    const signal = lawRule('ccpa', defaultClockSettings).optOutSignal;
    expect(signal?.from).toBeUndefined();
    expect(gpcSuppression({ ...at('2023-03-01T12:00:00.000Z'), signal })).toBeDefined();
  });

  it('a law without a signal rule → nothing', () => {
    expect(gpcSuppression({ ...at('2026-06-01T12:00:00.000Z'), signal: undefined })).toBeUndefined();
  });
});
