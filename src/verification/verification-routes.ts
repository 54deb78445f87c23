import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../http/app-error.ts';
import type { Csrf } from '../http/csrf.ts';
import type { Views } from '../http/views.ts';
import { useRequestLocale } from '../i18n/locale-middleware.ts';
import { statusUrl } from '../requests/links.ts';
import type { RequestDeps } from '../requests/request-deps.ts';
import { inspectVerification, resendVerification, verifyRequest } from './verification-service.ts';

const tokenParam = z.string().min(1).max(2048);
const tokenBody = z.strictObject({ token: z.string().min(1).max(2048) });

type Deps = { requests: RequestDeps; views: Views; csrf: Csrf };

// The error codes of the verification flow, each with its own page (and the same status as the API).
const pageFor: Partial<Record<string, string>> = {
  TOKEN_INVALID: 'verify.invalid',
  TOKEN_USED: 'verify.used',
  TOKEN_EXPIRED: 'verify.expired',
  RESEND_LIMIT: 'verify.resendLimit',
};

function message(
  deps: Deps,
  req: Request,
  res: Response,
  status: number,
  key: string,
  extra: Record<string, unknown> = {},
) {
  const lang = res.locals.lang as string;
  const t = (k: string) => deps.requests.i18n.t(lang, k, { reference: extra.reference ?? '' });
  res
    .status(status)
    .type('html')
    .send(
      deps.views.render('verification/message', {
        lang,
        title: t(`${key}.title`),
        heading: t(`${key}.title`),
        message: t(`${key}.body`),
        csrf: extra.resendToken ? deps.csrf.issue(req, res) : undefined,
        ...extra,
      }),
    );
}

/** Renders the flow's own pages for its coded errors; anything else goes to the error middleware. */
async function withPages(deps: Deps, req: Request, res: Response, token: string, run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof AppError) || !pageFor[error.code]) throw error;
    const state = await inspectVerification(deps.requests, token).catch(() => undefined);
    useRequestLocale(res, state?.request.locale);
    const reference = state?.request.reference;
    const extra: Record<string, unknown> = { reference };
    if (error.code === 'TOKEN_EXPIRED' && state?.state === 'expired') extra.resendToken = token;
    if (state?.state === 'closed')
      return message(deps, req, res, error.status, 'verify.closed', { ...extra, homeLink: true });
    if (error.code === 'TOKEN_USED' && state)
      extra.statusUrl = statusUrl(deps.requests.config, state.request.id, deps.requests.now());
    if (error.code === 'TOKEN_INVALID') extra.homeLink = true;
    message(deps, req, res, error.status, pageFor[error.code]!, extra);
  }
}

export function verificationRoutes(deps: Deps): Router {
  const router = Router();

  // GET changes nothing: mail scanners fetch links. It shows the state and, if ready, a confirm button.
  router.get('/verify/:token', async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    await withPages(deps, req, res, token, async () => {
      const state = await inspectVerification(deps.requests, token);
      if (state.state === 'used') throw new AppError('TOKEN_USED', 'used');
      if (state.state === 'expired' || state.state === 'closed')
        throw new AppError('TOKEN_EXPIRED', 'expired');
      const lang = useRequestLocale(res, state.request.locale);
      res.type('html').send(
        deps.views.render('verification/confirm', {
          lang,
          title: deps.requests.i18n.t(lang, 'verify.title'),
          reference: state.request.reference,
          token,
          csrf: deps.csrf.issue(req, res),
        }),
      );
    });
  });

  router.post('/verify/resend', deps.csrf.protect(), async (req, res) => {
    const { token } = tokenBody.pick({ token: true }).parse({ token: req.body?.token });
    await withPages(deps, req, res, token, async () => {
      const before = await inspectVerification(deps.requests, token);
      useRequestLocale(res, before.request.locale);
      const result = await resendVerification(deps.requests, token);
      message(deps, req, res, 200, 'verify.resent', { reference: result.reference });
    });
  });

  router.post('/verify/:token', deps.csrf.protect(), async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    await withPages(deps, req, res, token, async () => {
      const result = await verifyRequest(deps.requests, token);
      useRequestLocale(res, result.locale);
      message(deps, req, res, 200, 'verified', { reference: result.reference, statusUrl: result.statusUrl });
    });
  });

  router.post('/api/v1/verifications', async (req, res) => {
    const { token } = tokenBody.parse(req.body ?? {});
    const result = await verifyRequest(deps.requests, token);
    res.json({ reference: result.reference, status: result.status });
  });

  router.post('/api/v1/verifications/resend', async (req, res) => {
    const { token } = tokenBody.parse(req.body ?? {});
    res.status(202).json(await resendVerification(deps.requests, token));
  });
  return router;
}
