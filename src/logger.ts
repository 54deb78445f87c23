import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Secrets and personal data never reach the logs: these paths are censored wherever they appear.
const redact = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.email',
  '*.to',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redact, censor: '[redacted]' }, base: { service: 'rightsdesk' } },
    destination,
  );
}

/**
 * Paths carry capability tokens (/verify/…, /status/…, /download/…) and queries can carry emails;
 * logs keep only the route shape.
 */
export function safePath(url: string | undefined): string {
  const pathOnly = (url ?? '').split('?')[0] ?? '';
  return pathOnly.replace(/^\/(verify|status|download|api\/v1\/callbacks)\/[^/]+/, '/$1/[token]');
}
