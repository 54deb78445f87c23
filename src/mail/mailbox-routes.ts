import { Router } from 'express';
import type { Db } from '../db/client.ts';
import type { Views } from '../http/views.ts';
import { listMailbox } from './mail-service.ts';

/** The development mailbox: every outbox message, so a newcomer can click verification links without SMTP. */
export function mailboxRoutes(deps: { db: Db; views: Views }): Router {
  const router = Router();
  router.get('/dev/mailbox.json', async (_req, res) => {
    const messages = await listMailbox(deps.db);
    res.json({
      items: messages.map((m) => ({
        id: m.id,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        status: m.status,
        createdAt: m.createdAt.toISOString(),
        sentAt: m.sentAt?.toISOString() ?? null,
      })),
    });
  });
  router.get('/dev/mailbox', async (_req, res) => {
    const messages = (await listMailbox(deps.db)).map((m) => ({
      ...m,
      createdAt: m.createdAt.toISOString(),
    }));
    res.type('html').send(deps.views.render('mail/mailbox', { title: 'Dev mailbox', messages }));
  });
  return router;
}
