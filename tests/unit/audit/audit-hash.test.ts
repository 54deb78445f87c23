import { describe, expect, it } from 'vitest';
import { type AuditHashInput, computeAuditHash, GENESIS_HASH } from '../../../src/audit/audit-hash.ts';

const event: AuditHashInput = {
  prevHash: GENESIS_HASH,
  requestId: '3f1c2b7e-8d4a-4e6f-9a0b-1c2d3e4f5a6b',
  kind: 'request.approved',
  actor: 'staff:42',
  data: { from: 'pending_review', to: 'approved', version: 3 },
  at: new Date('2026-01-09T18:00:00.123Z'),
};

describe('computeAuditHash', () => {
  it('genesis prevHash → 64 zeros', () => {
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });

  it('same event twice → same 64-hex-digit SHA-256', () => {
    const hash = computeAuditHash(event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeAuditHash({ ...event, data: { ...event.data } })).toBe(hash);
  });

  it('known event → pinned hash (the format is a stored contract: changing it breaks every chain)', () => {
    // sha256 of {"actor":"staff:42","at":"2026-01-09T18:00:00.123Z","data":{"from":"pending_review",
    // "to":"approved","version":3},"kind":"request.approved","prevHash":"000…0","requestId":"3f1c…5a6b"}
    expect(computeAuditHash(event)).toBe('ece208d3203e669fb232339d5352a9eb3d5e1ee58b2b40bca15031ff6a29c3c8');
  });

  it('data keys in another order, as jsonb returns them → same hash', () => {
    expect(computeAuditHash({ ...event, data: { version: 3, to: 'approved', from: 'pending_review' } })).toBe(
      computeAuditHash(event),
    );
  });

  it('any covered field changed → different hash', () => {
    const base = computeAuditHash(event);
    const variants: Partial<AuditHashInput>[] = [
      { prevHash: 'f'.repeat(64) },
      { requestId: null },
      { kind: 'request.denied' },
      { actor: 'staff:43' },
      { data: { ...event.data, version: 4 } },
      { data: {} },
      { at: new Date('2026-01-09T18:00:00.124Z') },
    ];
    const hashes = variants.map((v) => computeAuditHash({ ...event, ...v }));
    expect(new Set([base, ...hashes]).size).toBe(variants.length + 1);
  });

  it('invalid date → throws instead of hashing "Invalid Date"', () => {
    expect(() => computeAuditHash({ ...event, at: new Date('nope') })).toThrow(/valid date/);
  });
});
