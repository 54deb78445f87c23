import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';

const load = (env: Record<string, string> = {}) =>
  loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rd-config-')), ...env });

describe('export delivery settings', () => {
  it('defaults → 7-day links, no review, no data map file', () => {
    const config = load();
    expect(config.exportLinkDays).toBe(7);
    expect(config.exportReview).toBe(false);
    expect(config.dataMapFile).toBeUndefined();
  });

  it('set → carried as given', () => {
    const config = load({
      EXPORT_LINK_DAYS: '30',
      EXPORT_REVIEW: 'on',
      DATA_MAP_FILE: '/etc/rightsdesk/map.yaml',
    });
    expect(config).toMatchObject({
      exportLinkDays: 30,
      exportReview: true,
      dataMapFile: '/etc/rightsdesk/map.yaml',
    });
  });

  it.each([
    ['EXPORT_LINK_DAYS', '0'],
    ['EXPORT_LINK_DAYS', '31'],
    ['EXPORT_LINK_DAYS', '2.5'],
    ['EXPORT_REVIEW', 'yes'],
  ])('%s=%s → ConfigError naming it', (name, value) => {
    expect(() => load({ [name]: value })).toThrow(ConfigError);
    expect(() => load({ [name]: value })).toThrow(new RegExp(`^${name}:`));
  });
});
