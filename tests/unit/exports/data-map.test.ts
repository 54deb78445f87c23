import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataMapError,
  dataMapSchema,
  defaultDataMap,
  loadDataMap,
  parseDataMap,
  pickText,
  resolveDataMap,
} from '../../../src/exports/data-map.ts';
import { createI18n } from '../../../src/i18n/i18n.ts';

const i18n = createI18n();

const yaml = `
controller:
  contact: privacy@example.org
  dpoContact: dpo@example.org
  supervisoryAuthority: {en: "UODO (Poland)", pl: "Prezes UODO"}
purposes:
  - purpose: {en: Running your account, pl: Prowadzenie konta}
    legalBasis: Contract (Art. 6(1)(b))
    categories: [contact]
categories:
  - category: contact
    description: {en: Email address, pl: Adres e-mail}
recipients:
  - recipient: Our email provider
    country: IE
retention:
  - data: Account data
    period: 2 years after closing
origins: [From you]
systems:
  crm:
    description: The sales CRM
    categories: [contact]
`;

describe('data map', () => {
  it('the default describes every Art. 15 item and is valid', () => {
    const map = defaultDataMap(i18n);
    expect(dataMapSchema.safeParse(map).success).toBe(true);
    const en = resolveDataMap(map, 'en');
    expect(en.purposes.length).toBeGreaterThan(0);
    expect(en.recipients.length).toBeGreaterThan(0);
    expect(en.retention.length).toBeGreaterThan(0);
    expect(en.origins.length).toBeGreaterThan(0);
    expect(en.transfers.length).toBeGreaterThan(0);
    expect(en.automatedDecisions).toBeTruthy();
    // Every text comes from the catalog: no key left untranslated.
    expect(JSON.stringify(en)).not.toMatch(/export\.dataMap\./);
    expect(loadDataMap(undefined, i18n)).toEqual(map);
  });

  it('reads a YAML file, in the request language with English as the fallback', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rd-map-')), 'data-map.yaml');
    writeFileSync(file, yaml);
    const map = loadDataMap(file, i18n);
    const pl = resolveDataMap(map, 'pl');
    expect(pl.purposes[0]).toEqual({
      purpose: 'Prowadzenie konta',
      legalBasis: 'Contract (Art. 6(1)(b))',
      categories: ['contact'],
    });
    expect(pl.controller).toEqual({
      contact: 'privacy@example.org',
      dpoContact: 'dpo@example.org',
      supervisoryAuthority: 'Prezes UODO',
    });
    expect(resolveDataMap(map, 'de').categories[0]!.description).toBe('Email address');
    expect(pl.transfers).toEqual([]);
    expect(pl.systems.crm).toEqual({ description: 'The sales CRM', categories: ['contact'] });
  });

  it('reads JSON too', () => {
    const map = parseDataMap(
      JSON.stringify({
        purposes: [{ purpose: 'p', legalBasis: 'b' }],
        categories: [{ category: 'contact', description: 'd' }],
        retention: [{ data: 'd', period: 'p' }],
        origins: ['o'],
      }),
    );
    expect(map.recipients).toEqual([]);
  });

  it.each([
    ['purposes: [', '(file)', /not valid YAML/],
    ['{}', 'purposes', /expected array|purpose/i],
    [
      yaml.replace('categories: [contact]\ncategories', 'categories: [health]\ncategories'),
      'purposes[0].categories[0]',
      /"health" is not listed/,
    ],
    [
      yaml.replace('{en: Running your account, pl: Prowadzenie konta}', '{pl: Prowadzenie konta}'),
      'purposes[0].purpose',
      /English/,
    ],
    [`${yaml}\nunknown: 1\n`, '(file)', /unrecognized|unknown/i],
  ])('names the problem in %#', (text, where, message) => {
    try {
      parseDataMap(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DataMapError);
      expect((error as DataMapError).path).toBe(where);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('a missing file is a clear error', () => {
    expect(() => loadDataMap('/nonexistent/data-map.yaml', i18n)).toThrow(/DATA_MAP_FILE: cannot read/);
  });

  it('picks a text: exact, language, English', () => {
    const text = { en: 'hello', pt: 'olá', 'pt-BR': 'oi' };
    expect(pickText(text, 'pt-BR')).toBe('oi');
    expect(pickText(text, 'pt-PT')).toBe('olá');
    expect(pickText(text, 'fr')).toBe('hello');
    expect(pickText('plain', 'fr')).toBe('plain');
  });
});
