import { Router } from 'express';
import type { Database } from '../db/client.ts';

export function healthRoutes(deps: { database: Pick<Database, 'ping'> }): Router {
  const router = Router();
  // Liveness: the process answers. Never touches the database, so a DB outage does not get us restarted.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Readiness: take traffic only while the database answers.
  router.get('/readyz', async (req, res) => {
    try {
      await deps.database.ping(2000);
      res.json({ status: 'ready', database: 'up' });
    } catch (error) {
      req.log?.warn({ err: { message: (error as Error).message } }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', database: 'down' });
    }
  });
  return router;
}
