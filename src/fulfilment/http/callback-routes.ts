import express, { Router } from 'express';
import { AppError } from '../../http/app-error.ts';
import { type CallbackDeps, precheckCallback, receiveCallback } from './callback-service.ts';
import { MAX_BODY_BYTES } from './http-schemas.ts';
import { SIGNATURE_HEADER } from './signature.ts';

/**
 * POST /api/v1/callbacks/:source → 200 {ok: true}. The signature covers the raw bytes, so this router
 * reads the body itself (up to 20 MB) and MUST be mounted before the app's express.json(): that
 * parser would consume the stream first (and refuse anything above 64 kB).
 */
export function callbackRoutes(deps: CallbackDeps): Router {
  const router = Router();
  router.post(
    '/api/v1/callbacks/:source',
    (req, _res, next) => {
      // Unknown sources, and missing, malformed or stale signatures, are turned away before a byte
      // of their body is read.
      precheckCallback(deps, req.params.source, req.get(SIGNATURE_HEADER));
      next();
    },
    express.raw({ type: 'application/json', limit: MAX_BODY_BYTES }),
    async (req, res) => {
      if (req.body !== undefined && !Buffer.isBuffer(req.body))
        throw new Error('callbackRoutes is mounted after a body parser: mount it before express.json()');
      if (!Buffer.isBuffer(req.body))
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the callback as application/json.');
      await receiveCallback(deps, {
        source: req.params.source,
        signature: req.get(SIGNATURE_HEADER),
        body: req.body,
      });
      res.json({ ok: true });
    },
  );
  return router;
}
