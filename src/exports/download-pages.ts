import type { Request, Response } from 'express';
import type { ExportBundleRow } from '../db/schema.ts';
import { AppError } from '../http/app-error.ts';
import type { Csrf } from '../http/csrf.ts';
import { formatLocalDate, type Views } from '../http/views.ts';
import { useRequestLocale } from '../i18n/locale-middleware.ts';
import { CODE_MINUTES, type DownloadView } from './download-service.ts';
import { bundleLink } from './export-delivery.ts';
import type { ExportDeps } from './exports-deps.ts';

// The subject's download pages: one template, one page per state of the bundle.

export type PageDeps = { exports: ExportDeps; views: Views; csrf: Csrf };
/** A catalog key with its values: translated once the page knows the request's language. */
export type Text = readonly [key: string, vars?: Record<string, unknown>];
type PageExtra = { notice?: Text; codeForm?: boolean; codeError?: Text; status?: number };

const statusOf: Record<DownloadView['state'], number> = {
  released: 200,
  awaiting_review: 200,
  expired: 410,
  revoked: 410,
  purged: 410,
};

const pageKey: Record<DownloadView['state'], string> = {
  released: 'download',
  awaiting_review: 'download.pending',
  expired: 'download.expired',
  revoked: 'download.revoked',
  purged: 'download.purged',
};

/** "12.3 MB" in the reader's language. */
function formatSize(bytes: number, lang: string): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

export function renderDownloadPage(
  deps: PageDeps,
  req: Request,
  res: Response,
  token: string,
  view: DownloadView,
  extra: PageExtra = {},
) {
  const { bundle, request, state } = view;
  const lang = useRequestLocale(res, request.locale);
  const t = (key: string, vars: Record<string, unknown> = {}) =>
    deps.exports.i18n.t(lang, key, { reference: request.reference, minutes: CODE_MINUTES, ...vars });
  const key = pageKey[state];
  const gone = state === 'expired' || state === 'revoked' || state === 'purged';
  res.setHeader('Cache-Control', 'no-store');
  res
    .status(extra.status ?? statusOf[state])
    .type('html')
    .send(
      deps.views.render('exports/download-page', {
        lang,
        title: t(`${key}.title`),
        heading: t(`${key}.title`),
        message: t(`${key}.body`),
        notice: extra.notice && t(...extra.notice),
        facts: state === 'released' ? facts(deps, view.request, bundle, lang) : undefined,
        ready: state === 'released',
        codeForm: extra.codeForm,
        codeError: extra.codeError && t(...extra.codeError),
        copyForm: gone,
        token,
        csrf: deps.csrf.issue(req, res),
      }),
    );
}

function facts(deps: PageDeps, request: DownloadView['request'], bundle: ExportBundleRow, lang: string) {
  const { until } = bundleLink(deps.exports, request, bundle);
  return {
    reference: request.reference,
    size: formatSize(bundle.size, lang),
    until: formatLocalDate(until, lang),
  };
}

/** An unknown or forged link: a readable page, never a stack or a storage error. */
function invalidPage(deps: PageDeps, res: Response) {
  const lang = res.locals.lang as string;
  const t = (key: string) => deps.exports.i18n.t(lang, key);
  res.setHeader('Cache-Control', 'no-store');
  res
    .status(400)
    .type('html')
    .send(
      deps.views.render('exports/download-page', {
        lang,
        title: t('download.invalid.title'),
        heading: t('download.invalid.title'),
        message: t('download.invalid.body'),
        homeLink: true,
      }),
    );
}

export async function withInvalidPage(deps: PageDeps, res: Response, run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError && error.code === 'TOKEN_INVALID') return invalidPage(deps, res);
    throw error;
  }
}
