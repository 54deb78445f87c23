import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { LAW_IDS } from '../../../src/deadlines/rules.ts';
import { lawForRegion, OFFERED_REGIONS, REGION_LAWS } from '../../../src/requests/regions.ts';
import { thrown } from '../../helpers/thrown.ts';

const config = (env: Record<string, string>) =>
  loadConfig({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rd-regions-')), ...env });

const errorOf = (env: Record<string, string>) => thrown(ConfigError, () => config(env));

describe('web form regions', () => {
  it('every place the form can offer → a law in the deadline table', () => {
    for (const law of Object.values(REGION_LAWS)) expect(LAW_IDS).toContain(law);
    expect(OFFERED_REGIONS).toHaveLength(13);
  });

  it.each([
    ['eu', true, 'gdpr'],
    ['uk', true, 'uk-gdpr'],
    ['brazil', true, 'lgpd'],
    ['switzerland', true, 'fadp'],
    ['canada', true, 'pipeda'],
    ['virginia', true, 'vcdpa'],
    ['texas', true, 'tdpsa'],
    ['california', true, 'ccpa'],
    ['california', false, 'caloppa'],
    ['other', true, 'lgpd'],
  ] as const)('%s (CCPA applies: %s) → %s', (region, ccpaApplies, law) => {
    expect(lawForRegion(region, { defaultLaw: 'lgpd', ccpaApplies })).toBe(law);
  });

  it('FORM_REGIONS unset or empty → EU, UK and California, as before', () => {
    expect(config({}).formRegions).toEqual(['eu', 'uk', 'california']);
    expect(config({ FORM_REGIONS: ' ' }).formRegions).toEqual(['eu', 'uk', 'california']);
  });

  it('FORM_REGIONS with spaces and capitals → the names, in the order given', () => {
    expect(config({ FORM_REGIONS: ' Brazil , eu,VIRGINIA ' }).formRegions).toEqual([
      'brazil',
      'eu',
      'virginia',
    ]);
  });

  it('FORM_REGIONS naming an unknown place → ConfigError naming the variable and the name', () => {
    const error = errorOf({ FORM_REGIONS: 'eu,narnia' });
    expect(error.variable).toBe('FORM_REGIONS');
    expect(error.message).toMatch(/^FORM_REGIONS: unknown region "narnia": choose from eu, uk, /);
  });

  it('FORM_REGIONS naming "other" or one place twice → ConfigError (elsewhere is always offered, once)', () => {
    expect(errorOf({ FORM_REGIONS: 'eu,other' }).message).toContain('unknown region "other"');
    expect(errorOf({ FORM_REGIONS: 'eu,uk,EU' }).message).toBe('FORM_REGIONS: names a region twice');
  });
});
