import type { Config } from '../config.ts';
import type { FulfilmentTaskRow, RequestRow } from '../db/schema.ts';
import type { Receipt } from '../fulfilment/connector.ts';
import { loadSourcesFile } from '../fulfilment/sources-config.ts';
import type { SourceConfig } from '../fulfilment/sources-schemas.ts';
import type { I18n } from '../i18n/i18n.ts';
import type { ResolvedDataMap } from './data-map.ts';

// about.json (and about.html from it): the Art. 15(1)/(2) information of the data map in the
// request's language, plus what each data source that answered holds about this subject.

export const ABOUT_FORMAT = 'rightsdesk-about/1';

export const RIGHTS = [
  'access',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'portability',
  'withdrawConsent',
  'complaint',
] as const;

export type SourceCollection = { collection: string; rows: number; fields: string[] };

export type AboutSource = {
  source: string;
  description?: string;
  categories: { category: string; description: string }[];
  collections: SourceCollection[];
  /** The source's own one-line account of what it found. */
  summary?: string;
};

export type About = {
  format: typeof ABOUT_FORMAT;
  reference: string;
  law: string;
  locale: string;
  generatedAt: string;
  controller: { name: string } & ResolvedDataMap['controller'];
  purposes: ResolvedDataMap['purposes'];
  categories: ResolvedDataMap['categories'];
  recipients: ResolvedDataMap['recipients'];
  retention: ResolvedDataMap['retention'];
  origins: string[];
  transfers: ResolvedDataMap['transfers'];
  automatedDecisions?: string;
  rights: { right: (typeof RIGHTS)[number]; text: string }[];
  sources: AboutSource[];
};

/**
 * The builtin source's name when the sources file names none: BUILTIN_SOURCE of
 * fulfilment/connectors.ts (a test keeps them equal), not imported from there because that module
 * loads every connector, and a build should cost no more memory than it needs.
 */
export const BUILTIN_SOURCE_NAME = 'rightsdesk';

// Rightsdesk's own records (the builtin connector): requests, their emails, opt-outs.
const builtinCategories = ['account', 'contact', 'marketing'];

function declaredCategories(source: SourceConfig): string[] {
  if (source.kind === 'builtin') return builtinCategories;
  if (source.kind === 'http') return source.holds;
  return [...new Set(source.collections.flatMap((c) => Object.values(c.fields).map((f) => f.category)))];
}

/**
 * The categories each configured source declares (sources file or demo, plus the builtin one). A
 * sources file that no longer parses only loses this detail: the bundle is still built.
 */
export async function sourceCategories(config: Config): Promise<Map<string, string[]>> {
  let sources: SourceConfig[] = [];
  try {
    if (config.demoSources) {
      // Only the development demo: its module brings the embedded database along.
      const demo = await import('../fulfilment/demo/demo-sources.ts');
      sources = demo.demoSources(config).sources;
    } else if (config.sourcesFile) sources = loadSourcesFile(config.sourcesFile).sources;
  } catch {
    sources = [];
  }
  const map = new Map<string, string[]>([[BUILTIN_SOURCE_NAME, builtinCategories]]);
  for (const source of sources) map.set(source.name, declaredCategories(source));
  return map;
}

export function buildAbout(input: {
  request: RequestRow;
  generatedAt: string;
  orgName: string;
  i18n: I18n;
  dataMap: ResolvedDataMap;
  declared: Map<string, string[]>;
  tasks: FulfilmentTaskRow[];
  collections: Map<string, SourceCollection[]>;
}): About {
  const { request, i18n, dataMap } = input;
  const lang = request.locale;
  const describe = (category: string) => {
    const own = dataMap.categories.find((c) => c.category === category);
    if (own) return own.description;
    const key = `export.dataMap.category.${category}`;
    const text = i18n.t(lang, key);
    return text === key ? category : text;
  };
  const sources = input.tasks.map((task): AboutSource => {
    const system = dataMap.systems[task.source];
    const ids = [
      ...new Set([...(input.declared.get(task.source) ?? []), ...(system?.categories ?? [])]),
    ].sort();
    const receipt = task.receipt as Receipt | null;
    return {
      source: task.source,
      ...(system?.description ? { description: system.description } : {}),
      categories: ids.map((category) => ({ category, description: describe(category) })),
      collections: input.collections.get(task.id) ?? [],
      ...(typeof receipt?.summary === 'string' ? { summary: receipt.summary } : {}),
    };
  });
  return {
    format: ABOUT_FORMAT,
    reference: request.reference,
    law: request.law,
    locale: lang,
    generatedAt: input.generatedAt,
    controller: { name: input.orgName, ...dataMap.controller },
    purposes: dataMap.purposes,
    categories: dataMap.categories,
    recipients: dataMap.recipients,
    retention: dataMap.retention,
    origins: dataMap.origins,
    transfers: dataMap.transfers,
    ...(dataMap.automatedDecisions ? { automatedDecisions: dataMap.automatedDecisions } : {}),
    rights: RIGHTS.map((right) => ({ right, text: i18n.t(lang, `export.about.right.${right}`) })),
    sources,
  };
}
