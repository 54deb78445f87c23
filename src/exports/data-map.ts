import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../fulfilment/sources-config.ts';
import { CATEGORY_IDS } from '../fulfilment/sources-schemas.ts';
import type { I18n } from '../i18n/i18n.ts';

// The data map: what GDPR Art. 15(1) and (2) require to accompany a copy of the data — purposes,
// categories, recipients, retention, where the data comes from, automated decisions and transfers
// with their safeguards — as the organisation describes it in DATA_MAP_FILE (YAML or JSON). Any text
// is either one string or one per language ({en: …, pl: …}; English required). Without a file a
// generic description is used, its text from the catalogs (export.dataMap.*).

const localeTag = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'a language tag such as en or pt-BR');

export const localizedText = z.union([
  z.string().trim().min(1, 'must not be empty'),
  z
    .record(localeTag, z.string().trim().min(1, 'must not be empty'))
    .refine((texts) => 'en' in texts, 'give at least the English text (en)'),
]);
export type LocalizedText = z.infer<typeof localizedText>;

const categoryId = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a category id such as contact');

export const dataMapSchema = z
  .strictObject({
    controller: z
      .strictObject({
        /** How to reach the organisation about privacy (an address, email or URL). */
        contact: z.string().trim().min(3).optional(),
        /** The data protection officer's contact, where one is appointed. */
        dpoContact: z.string().trim().min(3).optional(),
        /** The supervisory authority the organisation answers to (subjects may complain to any). */
        supervisoryAuthority: localizedText.optional(),
      })
      .default({}),
    purposes: z
      .array(
        z.strictObject({
          purpose: localizedText,
          legalBasis: localizedText,
          categories: z.array(categoryId).default([]),
        }),
      )
      .min(1, 'list at least one purpose'),
    categories: z
      .array(z.strictObject({ category: categoryId, description: localizedText }))
      .min(1, 'list at least one category'),
    recipients: z
      .array(z.strictObject({ recipient: localizedText, country: z.string().trim().min(2).optional() }))
      .default([]),
    retention: z
      .array(z.strictObject({ data: localizedText, period: localizedText }))
      .min(1, 'say how long data is kept'),
    /** Where the data comes from (Art. 15(1)(g)). */
    origins: z.array(localizedText).min(1, 'say where the data comes from'),
    /** Transfers to third countries and their safeguards (Art. 15(2)); empty: none. */
    transfers: z.array(z.strictObject({ destination: localizedText, safeguard: localizedText })).default([]),
    automatedDecisions: localizedText.optional(),
    /** Per data source (by its name in the sources file): a description and the categories it holds. */
    systems: z
      .record(
        z.string().min(1),
        z.strictObject({
          description: localizedText.optional(),
          categories: z.array(categoryId).default([]),
        }),
      )
      .default({}),
  })
  .superRefine((map, ctx) => {
    const known = new Set(map.categories.map((c) => c.category));
    map.purposes.forEach((p, i) => {
      p.categories.forEach((c, j) => {
        if (!known.has(c))
          ctx.addIssue({
            code: 'custom',
            path: ['purposes', i, 'categories', j],
            message: `category "${c}" is not listed under categories`,
          });
      });
    });
  });

export type DataMap = z.infer<typeof dataMapSchema>;

export class DataMapError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'DataMapError';
  }
}

/** Parses a data map from text (YAML is a superset of JSON); the first problem names its path. */
export function parseDataMap(text: string): DataMap {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new DataMapError('(file)', `not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = dataMapSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DataMapError(formatPath(issue.path) || '(file)', issue.message);
  }
  return parsed.data;
}

/** DATA_MAP_FILE when set (read and checked now: call it at start-up to fail fast), else the default. */
export function loadDataMap(dataMapFile: string | undefined, i18n: I18n): DataMap {
  if (!dataMapFile) return defaultDataMap(i18n);
  let text: string;
  try {
    text = readFileSync(dataMapFile, 'utf8');
  } catch (error) {
    throw new DataMapError(
      'DATA_MAP_FILE',
      `cannot read ${dataMapFile} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  return parseDataMap(text);
}

/** A generic organisation: what most online services do, worded so it does not overclaim. */
export function defaultDataMap(i18n: I18n): DataMap {
  const text = (key: string): LocalizedText =>
    Object.fromEntries(i18n.locales.map((locale) => [locale, i18n.t(locale, `export.dataMap.${key}`)]));
  return {
    controller: {},
    purposes: [
      {
        purpose: text('purpose.service'),
        legalBasis: text('basis.contract'),
        categories: ['identity', 'contact', 'account', 'usage', 'content'],
      },
      {
        purpose: text('purpose.security'),
        legalBasis: text('basis.legitimateInterests'),
        categories: ['account', 'usage', 'device'],
      },
      {
        purpose: text('purpose.legal'),
        legalBasis: text('basis.legalObligation'),
        categories: ['identity', 'contact', 'account', 'financial'],
      },
      {
        purpose: text('purpose.marketing'),
        legalBasis: text('basis.consentOrInterests'),
        categories: ['contact', 'marketing'],
      },
    ],
    categories: CATEGORY_IDS.map((category) => ({ category, description: text(`category.${category}`) })),
    recipients: [
      { recipient: text('recipient.processors') },
      { recipient: text('recipient.advisers') },
      { recipient: text('recipient.authorities') },
    ],
    retention: [
      { data: text('retention.account.data'), period: text('retention.account.period') },
      { data: text('retention.financial.data'), period: text('retention.financial.period') },
      { data: text('retention.marketing.data'), period: text('retention.marketing.period') },
      { data: text('retention.logs.data'), period: text('retention.logs.period') },
      { data: text('retention.requests.data'), period: text('retention.requests.period') },
    ],
    origins: [text('origin.subject'), text('origin.usage')],
    transfers: [{ destination: text('transfer.destination'), safeguard: text('transfer.safeguard') }],
    automatedDecisions: text('automatedDecisions'),
    systems: {},
  };
}

/** The text for `locale`: exact, then its language, then English. */
export function pickText(text: LocalizedText, locale: string): string {
  if (typeof text === 'string') return text;
  return text[locale] ?? text[locale.split('-')[0] ?? ''] ?? text.en ?? Object.values(text)[0] ?? '';
}

export type ResolvedDataMap = {
  controller: { contact?: string; dpoContact?: string; supervisoryAuthority?: string };
  purposes: { purpose: string; legalBasis: string; categories: string[] }[];
  categories: { category: string; description: string }[];
  recipients: { recipient: string; country?: string }[];
  retention: { data: string; period: string }[];
  origins: string[];
  transfers: { destination: string; safeguard: string }[];
  automatedDecisions?: string;
  systems: Record<string, { description?: string; categories: string[] }>;
};

/** Every text of the map in one language. */
export function resolveDataMap(map: DataMap, locale: string): ResolvedDataMap {
  const t = (text: LocalizedText) => pickText(text, locale);
  const { contact, dpoContact, supervisoryAuthority } = map.controller;
  return {
    controller: {
      ...(contact ? { contact } : {}),
      ...(dpoContact ? { dpoContact } : {}),
      ...(supervisoryAuthority ? { supervisoryAuthority: t(supervisoryAuthority) } : {}),
    },
    purposes: map.purposes.map((p) => ({
      purpose: t(p.purpose),
      legalBasis: t(p.legalBasis),
      categories: p.categories,
    })),
    categories: map.categories.map((c) => ({ category: c.category, description: t(c.description) })),
    recipients: map.recipients.map((r) => ({
      recipient: t(r.recipient),
      ...(r.country ? { country: r.country } : {}),
    })),
    retention: map.retention.map((r) => ({ data: t(r.data), period: t(r.period) })),
    origins: map.origins.map(t),
    transfers: map.transfers.map((x) => ({ destination: t(x.destination), safeguard: t(x.safeguard) })),
    ...(map.automatedDecisions ? { automatedDecisions: t(map.automatedDecisions) } : {}),
    systems: Object.fromEntries(
      Object.entries(map.systems).map(([name, s]) => [
        name,
        { ...(s.description ? { description: t(s.description) } : {}), categories: s.categories },
      ]),
    ),
  };
}
