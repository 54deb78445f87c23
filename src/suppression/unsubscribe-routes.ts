import { type RequestHandler, type Response, Router } from 'express';
import { AppError } from '../http/app-error.ts';
import type { Views } from '../http/views.ts';
import type { I18n } from '../i18n/i18n.ts';
import { unsubscribeTokenParam } from './suppression-schemas.ts';
import {
  inspectUnsubscribe,
  listUnsubscribePost,
  type SuppressionDeps,
  unsubscribe,
} from './suppression-service.ts';

export type UnsubscribeRouteDeps = {
  suppression: SuppressionDeps;
  views: Views;
  i18n: I18n;
  /** Per-IP limit on the POST (the GET writes nothing). */
  limit: RequestHandler;
};

const tokenOf = (value: unknown): string => {
  const parsed = unsubscribeTokenParam.safeParse(value);
  if (!parsed.success) throw new AppError('TOKEN_INVALID', 'This unsubscribe link is not valid.');
  return parsed.data;
};

const [oneClickField = '', oneClickValue = ''] = listUnsubscribePost.split('=');

function page(
  deps: UnsubscribeRouteDeps,
  res: Response,
  status: number,
  key: string,
  extra: Record<string, unknown> = {},
) {
  const lang = res.locals.lang as string;
  const title = deps.i18n.t(lang, `${key}.title`);
  res
    .status(status)
    .type('html')
    .send(
      deps.views.render(extra.token ? 'suppression/confirm' : 'suppression/message', {
        lang,
        title,
        heading: title,
        message: deps.i18n.t(lang, `${key}.body`),
        ...extra,
      }),
    );
}

/** A bad link gets a readable page (400) whatever the client accepts: these URLs are opened from mails. */
async function withInvalidPage(deps: UnsubscribeRouteDeps, res: Response, run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'TOKEN_INVALID')) throw error;
    page(deps, res, 400, 'unsubscribe.invalid', { homeLink: true });
  }
}

/**
 * One-click unsubscribe (RFC 8058). GET shows a button and changes nothing: mail scanners prefetch
 * links. POST unsubscribes: mail providers post `List-Unsubscribe=One-Click` without cookies, so
 * there is no CSRF check: the signed token is the authority. Any POST body is accepted (RFC 8058
 * allows multipart/form-data, which is not parsed here): the POST itself is the request.
 */
export function unsubscribeRoutes(deps: UnsubscribeRouteDeps): Router {
  const router = Router();

  router.get('/unsubscribe/:token', async (req, res) => {
    await withInvalidPage(deps, res, async () => {
      const token = tokenOf(req.params.token);
      const state = await inspectUnsubscribe(deps.suppression, token);
      if (state.alreadyUnsubscribed) return page(deps, res, 200, 'unsubscribe.already', { formLink: true });
      page(deps, res, 200, 'unsubscribe', { token, oneClickField, oneClickValue });
    });
  });

  router.post('/unsubscribe/:token', deps.limit, async (req, res) => {
    await withInvalidPage(deps, res, async () => {
      const token = tokenOf(req.params.token);
      await unsubscribe(deps.suppression, token);
      page(deps, res, 200, 'unsubscribe.done', { formLink: true });
    });
  });
  return router;
}
