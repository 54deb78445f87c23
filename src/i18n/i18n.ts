import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const localesDir = fileURLToPath(new URL('../templates/locales', import.meta.url));
/** The catalogs' own fallback: a key missing in a language shows its English text (tests forbid it). */
export const defaultLocale = 'en';
/** Every language Rightsdesk speaks; a catalog file exists for each (a test checks both ways). */
export const LOCALES = ['en', 'pl', 'de', 'fr', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

export type Catalog = Readonly<Record<string, string>>;

export type I18n = {
  readonly locales: readonly string[];
  /** The organisation's language (ORG_LOCALE): what a reader gets when nothing says otherwise. */
  readonly defaultLocale: string;
  /** Looks `key` up in `locale` (falling back to English) and fills `{name}` placeholders. */
  t(locale: string, key: string, vars?: Record<string, unknown>): string;
  has(locale: string): boolean;
  /** A supported language for a BCP 47 tag ("pl-PL" → "pl"), else the organisation's default. */
  resolve(tag: string | undefined): string;
};

export function loadCatalogs(dir = localesDir): Record<string, Catalog> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [
        path.basename(f, '.json'),
        JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Catalog,
      ]),
  );
}

export function createI18n(
  options: { catalogs?: Record<string, Catalog>; defaultLocale?: string } = {},
): I18n {
  const catalogs = options.catalogs ?? loadCatalogs();
  const english = catalogs[defaultLocale];
  if (!english) throw new Error('the English catalog (en.json) is missing');
  const orgLocale = options.defaultLocale ?? defaultLocale;
  if (!(orgLocale in catalogs)) throw new Error(`no catalog for the default language "${orgLocale}"`);
  const has = (locale: string) => Object.hasOwn(catalogs, locale);
  return {
    locales: LOCALES.filter(has),
    defaultLocale: orgLocale,
    has,
    resolve(tag) {
      const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
      return has(primary) ? primary : orgLocale;
    },
    t(locale, key, vars = {}) {
      const template = (has(locale) ? catalogs[locale]?.[key] : undefined) ?? english[key];
      // A missing key is a bug caught by tests; show the key rather than crash a subject's page.
      if (template === undefined) return key;
      return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
        vars[name] === undefined ? whole : String(vars[name]),
      );
    },
  };
}

/** ?lang=, then the rd_lang cookie, then Accept-Language, then the organisation's default. */
export function negotiateLocale(
  i18n: I18n,
  source: { query?: unknown; cookie?: string | undefined; acceptLanguage?: string | undefined },
): string {
  const fromQuery = typeof source.query === 'string' ? source.query.toLowerCase() : undefined;
  if (fromQuery && i18n.has(fromQuery)) return fromQuery;
  if (source.cookie && i18n.has(source.cookie)) return source.cookie;
  const accepted = (source.acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: tag.toLowerCase().split('-')[0] ?? '', q: q ? Number(q.split('=')[1]) || 0 : 1 };
    })
    .filter((a) => a.lang && a.q > 0)
    .sort((a, b) => b.q - a.q);
  return accepted.find((a) => i18n.has(a.lang))?.lang ?? i18n.defaultLocale;
}
