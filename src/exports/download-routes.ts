import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { type PageDeps, renderDownloadPage, type Text, withInvalidPage } from './download-pages.ts';
import {
  type DownloadView,
  inspectDownload,
  redeemDownloadCode,
  requestNewCopy,
  sendDownloadCode,
} from './download-service.ts';

const tokenParam = z.string().min(1).max(2048);
// Six digits, however they were typed or pasted ("123 456", "123-456").
const codeBody = z.object({
  code: z
    .string()
    .max(20)
    .transform((s) => s.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{6}$/)),
});

/** The subject's download: the link's page, an emailed one-time code, then the decrypted ZIP. */
export function downloadRoutes(deps: PageDeps): Router {
  const router = Router();

  // GET changes nothing (mail scanners fetch links): it shows what the link is and offers the code.
  router.get('/download/:token', async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    await withInvalidPage(deps, res, async () =>
      renderDownloadPage(deps, req, res, token, await inspectDownload(deps.exports, token)),
    );
  });

  router.post('/download/:token/code', deps.csrf.protect(), async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    await withInvalidPage(deps, res, async () => {
      const { view, outcome } = await sendDownloadCode(deps.exports, token);
      if (outcome === 'sent')
        return renderDownloadPage(deps, req, res, token, view, {
          codeForm: true,
          notice: ['download.code.sent'],
        });
      if (outcome === 'limit')
        return renderDownloadPage(deps, req, res, token, view, {
          codeForm: true,
          notice: ['download.code.limit'],
          status: 429,
        });
      renderDownloadPage(deps, req, res, token, view);
    });
  });

  router.post('/download/:token/copy', deps.csrf.protect(), async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    await withInvalidPage(deps, res, async () => {
      const { view, outcome } = await requestNewCopy(deps.exports, token);
      const notices: Record<typeof outcome, [string, number] | undefined> = {
        queued: ['download.copy.queued', 202],
        resent: ['download.copy.resent', 202],
        limit: ['download.copy.limit', 429],
        closed: ['download.copy.closed', 409],
        unavailable: undefined,
      };
      const notice = notices[outcome];
      renderDownloadPage(
        deps,
        req,
        res,
        token,
        view,
        notice ? { notice: [notice[0]], status: notice[1] } : {},
      );
    });
  });

  router.post('/download/:token', deps.csrf.protect(), async (req, res) => {
    const token = tokenParam.parse(req.params.token);
    await withInvalidPage(deps, res, async () => {
      const form = codeBody.safeParse(req.body ?? {});
      if (!form.success) {
        const view = await inspectDownload(deps.exports, token);
        const extra = { codeForm: true, codeError: ['download.code.malformed'] as const, status: 400 };
        return renderDownloadPage(deps, req, res, token, view, view.state === 'released' ? extra : {});
      }
      const result = await redeemDownloadCode(deps.exports, token, form.data.code);
      if (result.outcome === 'ok') return sendZip(deps, req, res, token, result.view, result.body);
      const errors: Record<typeof result.outcome, Text> = {
        wrong: ['download.code.wrong', { left: 'attemptsLeft' in result ? result.attemptsLeft : 0 }],
        no_code: ['download.code.none'],
        exhausted: ['download.code.exhausted'],
        unavailable: ['download.code.none'],
      };
      if (result.outcome === 'unavailable') return renderDownloadPage(deps, req, res, token, result.view);
      renderDownloadPage(deps, req, res, token, result.view, {
        codeForm: true,
        codeError: errors[result.outcome],
        status: 400,
      });
    });
  });
  return router;
}

/**
 * Streams the decrypted ZIP. A store failure before the first byte (the file is gone) shows the page;
 * one after it (a tampered segment) cuts the download short, which the client sees against Content-Length.
 */
async function sendZip(
  deps: PageDeps,
  req: Request,
  res: Response,
  token: string,
  view: DownloadView,
  body: Readable,
) {
  const log = (error: unknown) =>
    deps.exports.logger.warn(
      { bundleId: view.bundle.id, err: { name: (error as Error)?.name } },
      'export download failed',
    );
  try {
    await new Promise<void>((resolve, reject) => {
      body.once('readable', resolve);
      body.once('error', reject);
    });
  } catch (error) {
    log(error);
    return renderDownloadPage(deps, req, res, token, { ...view, state: 'purged' });
  }
  res.status(200);
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', `attachment; filename="rightsdesk-${view.request.reference}.zip"`);
  res.setHeader('Content-Length', String(view.bundle.size));
  res.setHeader('Cache-Control', 'no-store');
  await pipeline(body, res).catch(log);
}
