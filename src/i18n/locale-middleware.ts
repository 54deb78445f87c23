import type { RequestHandler } from 'express';
import { type I18n, negotiateLocale } from './i18n.ts';

/** Sets res.locals.lang for every page; an explicit ?lang= choice is remembered for a year. */
export function localeMiddleware(i18n: I18n, secureCookies: boolean): RequestHandler {
  return (req, res, next) => {
    const lang = negotiateLocale(i18n, {
      query: req.query.lang,
      cookie: /(?:^|;\s*)rd_lang=([a-z]{2})(?:;|$)/.exec(req.headers.cookie ?? '')?.[1],
      acceptLanguage: req.headers['accept-language'],
    });
    if (typeof req.query.lang === 'string' && req.query.lang.toLowerCase() === lang) {
      res.append(
        'Set-Cookie',
        `rd_lang=${lang}; Path=/; Max-Age=31536000; SameSite=Lax${secureCookies ? '; Secure' : ''}`,
      );
    }
    res.locals.lang = lang;
    next();
  };
}
