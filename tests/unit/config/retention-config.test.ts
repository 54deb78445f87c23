import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';

const load = (env: Record<string, string> = {}) =>
  loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rd-config-')), ...env });

describe('records retention setting', () => {
  it('default → 24 months (11 CCR §7101)', () => {
    expect(load().recordsRetentionMonths).toBe(24);
  });

  it('under 24 months while CCPA applies → refused, naming the variable and the rule', () => {
    expect(() => load({ RECORDS_RETENTION_MONTHS: '12' })).toThrow(ConfigError);
    expect(() => load({ RECORDS_RETENTION_MONTHS: '12' })).toThrow(/RECORDS_RETENTION_MONTHS.*7101/);
  });

  it('12 months when CCPA does not apply → accepted', () => {
    expect(load({ RECORDS_RETENTION_MONTHS: '12', CCPA_APPLIES: 'false' }).recordsRetentionMonths).toBe(12);
  });

  it('not a whole number of months → refused', () => {
    for (const value of ['0', '1.5', 'two', '241']) {
      expect(() => load({ RECORDS_RETENTION_MONTHS: value, CCPA_APPLIES: 'false' })).toThrow(
        /RECORDS_RETENTION_MONTHS/,
      );
    }
  });
});
