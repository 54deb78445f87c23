import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Config } from '../config.ts';
import { AppError } from '../http/app-error.ts';
import { ipMatcher, loopbackCidrs } from '../transport/ip-match.ts';

/** Headers any common reverse proxy sets: their presence means the peer address is not the client's. */
const forwardingHeaders = [
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'x-forwarded-proto',
  'x-forwarded-host',
  'via',
];

type AccessConfig = Pick<Config, 'env' | 'metricsToken' | 'staffAllowedIps' | 'trustProxy'>;

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Who may scrape /metrics. With METRICS_TOKEN: a matching Bearer token from anywhere (compared in
 * constant time). Without: loopback, plus STAFF_ALLOWED_IPS outside production; anyone else gets the
 * 404 of a route that is not there.
 */
export function metricsAccess(config: AccessConfig): RequestHandler {
  if (config.metricsToken) {
    const expected = digest(`Bearer ${config.metricsToken}`);
    return (req, res, next) => {
      const given = req.headers.authorization;
      if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) return next();
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      next(new AppError('UNAUTHENTICATED', 'A valid metrics token is required.'));
    };
  }
  const allowed = ipMatcher([
    ...loopbackCidrs,
    ...(config.env === 'production' ? [] : config.staffAllowedIps),
  ]);
  return (req, _res, next) => {
    // Without TRUST_PROXY a same-host proxy makes every visitor look like loopback: a request that
    // says it was forwarded is not taken for a local one.
    const forwarded =
      config.trustProxy === false && forwardingHeaders.some((h) => req.headers[h] !== undefined);
    if (!forwarded && allowed(req.ip)) return next();
    next(new AppError('NOT_FOUND', `Nothing is at ${req.method} ${req.path}.`));
  };
}
