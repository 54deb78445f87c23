import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCALES, loadCatalogs, localesDir } from '../../../src/i18n/i18n.ts';
import { unusedKeys } from './catalog-usage.ts';

const catalogs = loadCatalogs();
const english = catalogs.en ?? {};
const englishKeys = Object.keys(english);
const others = LOCALES.filter((l) => l !== 'en');
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Values that are the same word in every language: names, abbreviations, units. */
const sameEverywhere = new Set(['law.uk-gdpr', 'download.reference', 'export.index.law', 'status.law']);

const srcDir = fileURLToPath(new URL('../../../src', import.meta.url));

describe('locale catalogs', () => {
  it('one catalog file per supported language and none other', () => {
    const files = readdirSync(localesDir).filter((f) => f.endsWith('.json'));
    expect(files.map((f) => path.basename(f, '.json')).sort()).toEqual([...LOCALES].sort());
  });

  it.each(others)('%s has exactly the English key set', (locale) => {
    const keys = Object.keys(catalogs[locale] ?? {});
    expect({ missing: englishKeys.filter((k) => !keys.includes(k)) }).toEqual({ missing: [] });
    expect({ extra: keys.filter((k) => !(k in english)) }).toEqual({ extra: [] });
  });

  it.each(others)('%s keeps every placeholder of the English text, and no others', (locale) => {
    const catalog = catalogs[locale] ?? {};
    const wrong = englishKeys.filter(
      (k) =>
        catalog[k] !== undefined && placeholders(catalog[k]).join() !== placeholders(english[k] ?? '').join(),
    );
    expect(wrong).toEqual([]);
  });

  it.each(LOCALES)('%s has no empty text and no untranslated English sentence', (locale) => {
    const catalog = catalogs[locale] ?? {};
    expect(Object.entries(catalog).filter(([, v]) => typeof v !== 'string' || !v.trim())).toEqual([]);
    if (locale === 'en') return;
    // Three words or more left as in English is a sentence nobody translated.
    const leaked = Object.entries(catalog).filter(
      ([k, v]) => !sameEverywhere.has(k) && v === english[k] && v.split(/\s+/).length >= 3,
    );
    expect(leaked.map(([k]) => k)).toEqual([]);
  });

  it.each(LOCALES)('%s names itself in its own language for the switcher', (locale) => {
    const name = catalogs[locale]?.['site.languageName'];
    expect(name).toBeTruthy();
    if (locale !== 'en') expect(name).not.toBe('English');
  });

  it('every key is used by a template or the code', () => {
    expect(unusedKeys(englishKeys, srcDir)).toEqual([]);
  });

  it('the usage check catches an unused key', () => {
    expect(unusedKeys(['form.title', 'nobody.uses.this'], srcDir)).toEqual(['nobody.uses.this']);
  });

  it('catalog files are valid JSON objects of strings', () => {
    for (const locale of LOCALES) {
      const parsed = JSON.parse(readFileSync(path.join(localesDir, `${locale}.json`), 'utf8'));
      expect(Object.values(parsed).every((v) => typeof v === 'string')).toBe(true);
    }
  });
});
