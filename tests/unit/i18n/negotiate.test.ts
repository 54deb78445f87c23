import { describe, expect, it } from 'vitest';
import { createI18n, negotiateLocale } from '../../../src/i18n/i18n.ts';

const catalogs = {
  en: { hello: 'Hello {name}', only: 'English only' },
  pl: { hello: 'Dzień dobry {name}' },
  de: { hello: 'Guten Tag {name}' },
};
const i18n = createI18n({ catalogs });
const polishOrg = createI18n({ catalogs, defaultLocale: 'pl' });

describe('choosing the reader’s language', () => {
  it('?lang= beats the cookie, which beats Accept-Language', () => {
    expect(negotiateLocale(i18n, { query: 'de', cookie: 'pl', acceptLanguage: 'en' })).toBe('de');
    expect(negotiateLocale(i18n, { cookie: 'pl', acceptLanguage: 'de' })).toBe('pl');
    expect(negotiateLocale(i18n, { acceptLanguage: 'de-AT,de;q=0.9' })).toBe('de');
  });

  it('Accept-Language: the highest quality language we speak wins, regional tags count', () => {
    expect(negotiateLocale(i18n, { acceptLanguage: 'ja;q=1, pl-PL;q=0.4, de;q=0.7' })).toBe('de');
    expect(negotiateLocale(i18n, { acceptLanguage: 'de;q=0, pl;q=0.1' })).toBe('pl');
  });

  it('nothing we speak → the organisation’s default language, not English', () => {
    expect(negotiateLocale(polishOrg, { acceptLanguage: 'ja,ko;q=0.5' })).toBe('pl');
    expect(negotiateLocale(polishOrg, {})).toBe('pl');
    expect(negotiateLocale(i18n, {})).toBe('en');
  });

  it('hostile or unknown values are ignored, never thrown on', () => {
    for (const query of ['__proto__', 'constructor', 'xx', '', ['pl'], { a: 1 }]) {
      expect(negotiateLocale(i18n, { query, acceptLanguage: 'de' })).toBe('de');
    }
    expect(negotiateLocale(i18n, { acceptLanguage: ';;,q=,,,de;q=abc' })).toBe('en');
  });

  it('resolve: a BCP 47 tag maps to its language, anything else to the organisation’s', () => {
    expect(polishOrg.resolve('de-CH')).toBe('de');
    expect(polishOrg.resolve('EN_gb')).toBe('en');
    expect(polishOrg.resolve('ja')).toBe('pl');
    expect(polishOrg.resolve(undefined)).toBe('pl');
    expect(polishOrg.resolve('hasOwnProperty')).toBe('pl');
  });

  it('t: fills placeholders, falls back to English for a missing key, shows the key when unknown', () => {
    expect(i18n.t('pl', 'hello', { name: 'Ada' })).toBe('Dzień dobry Ada');
    expect(i18n.t('pl', 'only')).toBe('English only');
    expect(i18n.t('pl', 'no.such.key')).toBe('no.such.key');
    expect(i18n.t('constructor', 'hello', { name: 'x' })).toBe('Hello x');
  });

  it('a default language without a catalog stops start-up', () => {
    expect(() => createI18n({ catalogs, defaultLocale: 'fr' })).toThrow(/fr/);
  });
});
