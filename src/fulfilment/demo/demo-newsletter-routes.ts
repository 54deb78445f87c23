import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { SIGNATURE_HEADER, signBody, verifySignature } from '../http/signature.ts';
import { createDemoNewsletter, type DemoNewsletter, type DemoNewsletterOptions } from './demo-newsletter.ts';
import { DEMO_NEWSLETTER_HOOK_PATH } from './demo-sources.ts';

// POST /demo/newsletter/hook: the demo newsletter's end of the http-source contract. The signature covers
// the exact bytes sent, so this route reads the raw body itself: mount the router BEFORE any global
// express.json(), which would otherwise consume the stream first (body-parser then skips, and the bytes
// are gone).

const hookRequestSchema = z.object({
  action: z.enum(['access', 'erase', 'opt_out']),
  reference: z.string().min(1).max(200),
  subject: z.object({ email: z.string().trim().min(3).max(320) }),
  callbackUrl: z.string().max(2000).optional(),
});

function problem(res: Response, status: number, title: string, detail: string): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/** The router for an existing newsletter (tests keep the handle to wait for background erasures). */
export function demoNewsletterRouter(newsletter: DemoNewsletter): Router {
  const router = Router();

  const sendSigned = (res: Response, status: number, payload: unknown): void => {
    const text = JSON.stringify(payload);
    res
      .status(status)
      .set(SIGNATURE_HEADER, signBody(newsletter.secret, text, newsletter.now()))
      .type('application/json')
      .send(text);
  };

  router.post(
    DEMO_NEWSLETTER_HOOK_PATH,
    express.raw({ type: 'application/json', limit: '64kb' }),
    async (req: Request, res: Response) => {
      if (!Buffer.isBuffer(req.body)) {
        if (req.body !== undefined && req.is('application/json')) {
          throw new Error(
            'demo newsletter: mount demoNewsletterRoutes before express.json() (raw body needed)',
          );
        }
        return problem(res, 415, 'Unsupported Media Type', 'send a signed application/json body');
      }
      const text = req.body.toString('utf8');
      const check = verifySignature(newsletter.secret, req.get(SIGNATURE_HEADER), text, newsletter.now());
      if (!check.ok) return problem(res, 401, 'Unauthorized', `signature ${check.problem}`);

      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return problem(res, 400, 'Bad Request', 'the body is not JSON');
      }
      const parsed = hookRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return problem(res, 400, 'Bad Request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
      }
      const { action, reference, subject, callbackUrl } = parsed.data;

      if (action === 'access') {
        const subscriptions = await newsletter.access(subject.email);
        return sendSigned(res, 200, { records: { subscriptions }, receipt: { found: subscriptions.length } });
      }
      if (action === 'opt_out') {
        const unsubscribed = await newsletter.optOut(subject.email);
        return sendSigned(res, 200, { receipt: { unsubscribed } });
      }
      if (!callbackUrl || !newsletter.callbackAllowed(callbackUrl)) {
        return problem(res, 400, 'Bad Request', 'callbackUrl: erase needs a callback URL to Rightsdesk');
      }
      await newsletter.acceptErasure(reference, subject.email, callbackUrl);
      return sendSigned(res, 202, { accepted: true });
    },
  );

  return router;
}

/**
 * The demo newsletter system, served by Rightsdesk itself at POST /demo/newsletter/hook. Mount it before
 * the app's global body parsers: `app.use(demoNewsletterRoutes({...}))` above `app.use(express.json())`.
 */
export function demoNewsletterRoutes(options: DemoNewsletterOptions): Router {
  return demoNewsletterRouter(createDemoNewsletter(options));
}
