import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../http/app-error.ts';
import type { Csrf } from '../http/csrf.ts';
import { withoutNul } from '../http/no-nul.ts';
import { intlLocale, type Views } from '../http/views.ts';
import { useRequestLocale } from '../i18n/locale-middleware.ts';
import { resendForRequest } from '../verification/verification-service.ts';
import type { RequestDeps } from './request-deps.ts';
import { cancelByStatusToken, getStatus, replyByStatusToken } from './status-service.ts';

const tokenParam = z.string().min(1).max(2048);
const cancelBody = z.object({ version: z.coerce.number().int().min(1) });
const replyBody = z.object({
  version: z.coerce.number().int().min(1),
  reply: z.string().trim().min(1).max(5000).refine(withoutNul),
});

type Deps = { requests: RequestDeps; views: Views; csrf: Csrf };

async function renderStatus(
  deps: Deps,
  req: Request,
  res: Response,
  token: string,
  noticeKey?: string,
  reply?: { errorKey: string; value: string },
) {
  const view = await getStatus(deps.requests, token);
  const { request } = view;
  const lang = useRequestLocale(res, request.locale);
  const t = (key: string, vars?: Record<string, unknown>) => deps.requests.i18n.t(lang, key, vars);
  const when = new Intl.DateTimeFormat(intlLocale(lang), {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone: request.timeZone,
  });
  res.type('html').send(
    deps.views.render('requests/status', {
      lang,
      title: t('status.title', { reference: request.reference }),
      // Also rendered after a POST (reply, cancel, resend): switching language reloads the status page.
      langPath: `/status/${token}`,
      request,
      token,
      open: view.open,
      unverified: request.status === 'unverified',
      // While staff wait for the subject, the page shows their question and an answer box.
      awaiting: request.status === 'awaiting_subject',
      question: request.infoRequestedMessage,
      reply: reply && { error: t(reply.errorKey), value: reply.value },
      notice: noticeKey && t(noticeKey, { reference: request.reference }),
      typeLabel: t(`type.${request.type}`).replace(/^./, (c) => c.toUpperCase()),
      lawLabel: t(`law.${request.law}`),
      statusLabel: t(`status.${request.status}`),
      dueBy: view.open ? (request.extendedAt ? request.extendedDueBy : request.dueBy) : undefined,
      timeline: view.timeline.map((e) => ({
        iso: e.at.toISOString(),
        when: when.format(e.at),
        label: t(e.key),
      })),
      csrf: deps.csrf.issue(req, res),
    }),
  );
}

export function statusRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/status/:token', async (req, res) => {
    await renderStatus(deps, req, res, tokenParam.parse(req.params.token));
  });

  // Cancel asks first (GET shows the question, changes nothing), then POST does it.
  router.get('/status/:token/cancel', async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    const { request, open } = await getStatus(deps.requests, token);
    if (!open) return renderStatus(deps, req, res, token);
    const lang = useRequestLocale(res, request.locale);
    res.type('html').send(
      deps.views.render('requests/cancel', {
        lang,
        title: deps.requests.i18n.t(lang, 'status.cancel.title', { reference: request.reference }),
        reference: request.reference,
        token,
        version: request.version,
        csrf: deps.csrf.issue(req, res),
      }),
    );
  });

  router.post('/status/:token/resend', deps.csrf.protect(), async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    const { request } = await getStatus(deps.requests, token);
    try {
      await resendForRequest(deps.requests, request);
      await renderStatus(deps, req, res, token, 'status.resent');
    } catch (error) {
      if (!(error instanceof AppError) || !['RESEND_LIMIT', 'REQUEST_CLOSED'].includes(error.code))
        throw error;
      res.status(error.status);
      const key = error.code === 'RESEND_LIMIT' ? 'verify.resendLimit.body' : 'verify.closed.body';
      await renderStatus(deps, req, res, token, key);
    }
  });

  router.post('/status/:token/cancel', deps.csrf.protect(), async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    const { version } = cancelBody.parse(req.body ?? {});
    try {
      await cancelByStatusToken(deps.requests, token, version);
      await renderStatus(deps, req, res, token, 'status.cancelled.notice');
    } catch (error) {
      // Someone (or something) changed the request meanwhile: show where it stands now.
      if (
        error instanceof AppError &&
        ['STALE_VERSION', 'REQUEST_CLOSED', 'ILLEGAL_TRANSITION'].includes(error.code)
      ) {
        res.status(409);
        return renderStatus(deps, req, res, token, 'status.stale');
      }
      throw error;
    }
  });
  router.post('/status/:token/reply', deps.csrf.protect(), async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    const form = replyBody.safeParse(req.body ?? {});
    if (!form.success) {
      res.status(400);
      const value = typeof req.body?.reply === 'string' ? req.body.reply.slice(0, 5000) : '';
      return renderStatus(deps, req, res, token, undefined, { errorKey: 'status.reply.error', value });
    }
    try {
      await replyByStatusToken(deps.requests, token, form.data);
      await renderStatus(deps, req, res, token, 'status.replied.notice');
    } catch (error) {
      // Staff moved the request on meanwhile (resumed, denied, cancelled): show where it stands now.
      if (error instanceof AppError && ['STALE_VERSION', 'ILLEGAL_TRANSITION'].includes(error.code)) {
        res.status(409);
        return renderStatus(deps, req, res, token, 'status.stale');
      }
      throw error;
    }
  });
  return router;
}
