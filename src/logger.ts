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
 * Paths carry capability tokens (/verify/…, /status/…, /download/…, /unsubscribe/…) and queries can
 * carry emails;
 * logs keep only the route shape.
 */
export function safePath(url: string | undefined): string {
  const pathOnly = (url ?? '').split('?')[0] ?? '';
  return pathOnly.replace(
    /^\/(verify|status|download|unsubscribe|api\/v1\/callbacks)\/[^/]+/i,
    '/$1/[token]',
  );
}

// Anything shaped like an address: SMTP answers ("550 <ana@example.org>: no such user") repeat them.
const emailLike = /[^\s<>"'@,;:()[\]]+@[^\s<>"'@,;:()[\]]+/g;

/** The text with every email address replaced by [email]. */
export function withoutEmails(text: string): string {
  // Bounded first: the pattern backtracks on a long run without delimiters (a quoted token).
  return text.slice(0, 4096).replace(emailLike, '[email]');
}

/**
 * An error as it may be logged. drizzle's query errors repeat every parameter (emails, names, request
 * details) in their message, their stack and `params`: keep the SQL text and the driver's code and
 * message. Other errors are logged as they are, stack included.
 */
export function loggableError(error: unknown): unknown {
  if (!(error instanceof Error) || !error.message.startsWith('Failed query:')) return error;
  const cause = error.cause instanceof Error ? error.cause : undefined;
  return {
    type: error.name,
    message: withoutEmails(error.message.split('\nparams:')[0] ?? ''),
    ...(cause
      ? {
          cause: {
            type: cause.name,
            code: (cause as { code?: unknown }).code,
            message: withoutEmails(cause.message),
          },
        }
      : {}),
  };
}
