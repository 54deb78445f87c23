import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import { createViews, intlLocale, type Views } from '../http/views.ts';
import type { I18n } from '../i18n/i18n.ts';
import type { About } from './bundle-about.ts';

// index.html and about.html: pages a person opens offline from the unzipped folder. Handlebars
// escapes every value; the CSP allows nothing but the inline style, so even a value that slipped
// through could not run a script or fetch anything.

export const PREVIEW_ROWS = 50;
export const PREVIEW_COLUMNS = 20;
export const PREVIEW_CELL_CHARS = 200;

/** Inline so the pages open offline; a constant of this file, never data. */
const STYLE_TEXT = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:72rem;padding:1.5rem;color:#1b1b1b;background:#fff}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.1rem;margin-top:1.5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.table-wrap{overflow-x:auto;max-width:100%;border:1px solid #ddd}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap;word-break:break-word;max-width:24rem}
th{background:#f3f3f3;white-space:nowrap;word-break:normal}.note{color:#555;font-size:.9rem}code{font-size:.9em}
@media (prefers-color-scheme:dark){body{background:#161616;color:#eee}th{background:#2a2a2a}th,td,.table-wrap{border-color:#444}.note{color:#bbb}a{color:#8ab4ff}}
`;
const STYLE = new Handlebars.SafeString(STYLE_TEXT);
// The pages' CSP allows exactly this stylesheet by its hash, so no other inline style could apply.
const STYLE_SRC = `'sha256-${createHash('sha256').update(STYLE_TEXT).digest('base64')}'`;

const cache = new WeakMap<I18n, Views>();
function viewsFor(i18n: I18n): Views {
  let views = cache.get(i18n);
  if (!views) {
    views = createViews({ orgName: '' }, i18n);
    cache.set(i18n, views);
  }
  return views;
}

export type PreviewCollection = {
  collection: string;
  rows: number;
  csvPath: string;
  columns: string[];
  /** At most PREVIEW_ROWS rows of at most PREVIEW_COLUMNS cells, each already shortened. */
  preview: string[][];
};

export type PreviewSource = { source: string; description?: string; collections: PreviewCollection[] };

/** A cell as a person reads it in the preview: text as is, the rest as JSON, long values cut. */
export function previewCell(value: unknown): { text: string; cut: boolean } {
  const text =
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length <= PREVIEW_CELL_CHARS) return { text, cut: false };
  return { text: `${text.slice(0, PREVIEW_CELL_CHARS)}…`, cut: true };
}

/** A relative link to a file inside the bundle (its segments are already safe names). */
const href = (filePath: string) => filePath.split('/').map(encodeURIComponent).join('/');

type Common = { i18n: I18n; lang: string; orgName: string; timeZone: string };

/** The time of generation as the subject reads it, in the request's time zone (UTC if that is unknown). */
function formatInstant(iso: string, lang: string, timeZone: string): string {
  const options = { dateStyle: 'long', timeStyle: 'short' } as const;
  try {
    return new Intl.DateTimeFormat(intlLocale(lang), { ...options, timeZone }).format(new Date(iso));
  } catch {
    const utc = new Intl.DateTimeFormat(intlLocale(lang), { ...options, timeZone: 'UTC' });
    return `${utc.format(new Date(iso))} UTC`;
  }
}

export function renderIndex(
  common: Common & {
    reference: string;
    law: string;
    generatedAt: string;
    sources: PreviewSource[];
    cutCells: boolean;
  },
): string {
  const number = new Intl.NumberFormat(intlLocale(common.lang));
  return viewsFor(common.i18n).render(
    'exports/index',
    {
      lang: common.lang,
      style: STYLE,
      styleSrc: STYLE_SRC,
      orgName: common.orgName,
      reference: common.reference,
      lawName: common.i18n.t(common.lang, `law.${common.law}`),
      generatedAt: formatInstant(common.generatedAt, common.lang, common.timeZone),
      cutCells: common.cutCells,
      sources: common.sources.map((s) => ({
        source: s.source,
        description: s.description,
        collections: s.collections.map((c) => ({
          collection: c.collection,
          rows: number.format(c.rows),
          csvHref: href(c.csvPath),
          csvPath: c.csvPath,
          shown: number.format(c.preview.length),
          all: c.preview.length >= c.rows,
          columns: c.columns.slice(0, PREVIEW_COLUMNS),
          moreColumns:
            c.columns.length > PREVIEW_COLUMNS
              ? { shown: PREVIEW_COLUMNS, count: number.format(c.columns.length) }
              : undefined,
          preview: c.preview,
        })),
      })),
    },
    { layout: false },
  );
}

export function renderAbout(common: Common & { about: About }): string {
  const { about } = common;
  const categoryName = new Map(about.categories.map((c) => [c.category, c.description]));
  return viewsFor(common.i18n).render(
    'exports/about',
    {
      lang: common.lang,
      style: STYLE,
      styleSrc: STYLE_SRC,
      orgName: common.orgName,
      reference: about.reference,
      generatedAt: formatInstant(about.generatedAt, common.lang, common.timeZone),
      controller: about.controller,
      purposes: about.purposes.map((p) => ({
        ...p,
        categories: p.categories.map((c) => categoryName.get(c) ?? c).join('; '),
      })),
      categories: about.categories,
      recipients: about.recipients,
      retention: about.retention,
      origins: about.origins,
      transfers: about.transfers,
      automatedDecisions: about.automatedDecisions,
      rights: about.rights,
      sources: about.sources,
    },
    { layout: false },
  );
}
