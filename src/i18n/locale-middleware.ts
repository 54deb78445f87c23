import type { RequestHandler, Response } from 'express';
import { type I18n, negotiateLocale } from './i18n.ts';

const cookiePattern = /(?:^|;\s*)rd_lang=([a-z]{2})(?:;|$)/;

/**
 * Sets res.locals.lang for every page; an explicit ?lang= choice is remembered for a year.
 * res.locals.langChosen says whether the reader chose it (?lang= or the cookie) rather than their
 * browser's Accept-Language, so pages about one request can prefer the language it was filed in.
 */
export function localeMiddleware(i18n: I18n, secureCookies: boolean): RequestHandler {
  return (req, res, next) => {
    const query = typeof req.query.lang === 'string' ? req.query.lang.toLowerCase() : undefined;
    const cookie = cookiePattern.exec(req.headers.cookie ?? '')?.[1];
    const lang = negotiateLocale(i18n, {
      query,
      cookie,
      acceptLanguage: req.headers['accept-language'],
    });
    if (query === lang) {
      res.append(
        'Set-Cookie',
        `rd_lang=${lang}; Path=/; Max-Age=31536000; SameSite=Lax${secureCookies ? '; Secure' : ''}`,
      );
    }
    res.locals.lang = lang;
    res.locals.langChosen = query === lang || cookie === lang;
    next();
  };
}

/**
 * The language of a page about one request: the reader's explicit choice, else the language the
 * request was filed in (the subject picked it then, and its emails use it), whatever this browser says.
 */
export function useRequestLocale(res: Response, requestLocale: string | undefined): string {
  if (!res.locals.langChosen && requestLocale) res.locals.lang = requestLocale;
  return res.locals.lang as string;
}
