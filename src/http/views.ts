import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { createI18n, defaultLocale, type I18n } from '../i18n/i18n.ts';

export const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

export type Views = {
  /** Renders `name` (e.g. 'errors/error') inside layouts/main unless layout is false. */
  render(name: string, context: Record<string, unknown>, options?: { layout?: string | false }): string;
};

type Globals = { orgName: string };

type HelperOptions = { hash: Record<string, unknown>; data: { root: { lang?: string } } };
const langOf = (options: HelperOptions) => options.data.root.lang ?? defaultLocale;

/** A local date (YYYY-MM-DD) in the reader's language, e.g. "23 February 2026". */
/** English readers are international here (EU, UK, California): day-month-year reads everywhere. */
export const intlLocale = (lang: string) => (lang === 'en' ? 'en-GB' : lang);

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const zoneNames = new Map<string, string>();
export function formatLocalDate(value: string, lang: string): string {
  const date = new Date(`${value}T12:00:00Z`);
  if (Number.isNaN(date.getTime())) return value;
  // Building a formatter costs far more than using one.
  let format = dateFormats.get(lang);
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: 'long', timeZone: 'UTC' });
    dateFormats.set(lang, format);
  }
  return format.format(date);
}

/**
 * A deadline's time zone in words the reader knows ("Central European Time", "czas
 * środkowoeuropejski"): a due date is the end of that day there, which can differ from the reader's.
 */
export function formatTimeZone(timeZone: string, lang: string): string {
  // A generic name does not change with the date. Building the formatter each time was a tenth of
  // the intake's CPU (every email names its due date's zone); the keys are few (laws × languages).
  const key = `${lang}|${timeZone}`;
  const cached = zoneNames.get(key);
  if (cached) return cached;
  try {
    const parts = new Intl.DateTimeFormat(intlLocale(lang), { timeZone, timeZoneName: 'longGeneric' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    const name = parts?.value ?? timeZone;
    if (zoneNames.size < 1000) zoneNames.set(key, name);
    return name;
  } catch {
    return timeZone;
  }
}

function walk(dir: string, prefix = ''): [string, string][] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    const name = prefix ? `${prefix}/${entry}` : entry;
    if (statSync(full).isDirectory()) return walk(full, name);
    return entry.endsWith('.hbs') ? [[name.slice(0, -4), full] as [string, string]] : [];
  });
}

// Templates are compiled once at boot: rendering is then a function call, and a broken template fails start-up.
export function createViews(globals: Globals, i18n: I18n = createI18n(), dir = templatesDir): Views {
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // {{t "key" name=value}}: the reader's language comes from the root context's `lang`.
  hbs.registerHelper('t', (key: string, options: HelperOptions) =>
    i18n.t(langOf(options), key, options.hash),
  );
  hbs.registerHelper('date', (value: unknown, options: HelperOptions) =>
    typeof value === 'string' && value ? formatLocalDate(value, langOf(options)) : '',
  );
  hbs.registerHelper('zone', (value: unknown, options: HelperOptions) =>
    typeof value === 'string' && value ? formatTimeZone(value, langOf(options)) : '',
  );
  hbs.registerHelper('linkify', (text: unknown) => {
    const escaped = Handlebars.escapeExpression(String(text ?? ''));
    return new Handlebars.SafeString(
      escaped.replace(/https?:\/\/[^\s<>"']+/g, (href) => `<a href="${href}">${href}</a>`),
    );
  });
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  for (const [name, file] of walk(dir)) {
    const source = readFileSync(file, 'utf8');
    if (name.startsWith('partials/')) hbs.registerPartial(name.slice('partials/'.length), source);
    else compiled.set(name, hbs.compile(source, { strict: false }));
  }
  const get = (name: string) => {
    const template = compiled.get(name);
    if (!template) throw new Error(`no template named ${name}`);
    return template;
  };
  return {
    render(name, context, options = {}) {
      const data = { ...globals, ...context };
      const body = get(name)(data);
      if (options.layout === false) return body;
      return get(`layouts/${options.layout ?? 'main'}`)({
        ...data,
        body,
        languages: languagesFor(i18n, data),
      });
    },
  };
}

/**
 * The language switcher of subject pages (those rendered with a `lang`; staff pages are English).
 * Each link reloads the page at `langPath` (default: the same address) with ?lang=, which the locale
 * middleware remembers in a cookie. Each name is in its own language, so anyone can find theirs.
 */
function languagesFor(i18n: I18n, data: Record<string, unknown>) {
  if (typeof data.lang !== 'string' || i18n.locales.length < 2) return undefined;
  const base = typeof data.langPath === 'string' ? data.langPath : '';
  return i18n.locales.map((code) => ({
    code,
    name: i18n.t(code, 'site.languageName'),
    href: `${base}?lang=${code}`,
    current: code === data.lang,
  }));
}
