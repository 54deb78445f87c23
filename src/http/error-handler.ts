import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { databaseUnavailableCode } from '../db/db-errors.ts';
import { createI18n, defaultLocale, type I18n } from '../i18n/i18n.ts';
import { loggableError } from '../logger.ts';
import { AppError, type ErrorCode, type FieldError, titles } from './app-error.ts';
import type { Views } from './views.ts';

type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  requestId: string | undefined;
  errors?: FieldError[];
};

// Body-parser and other http-errors style failures carry a `type` and a `status`.
function fromHttpError(error: { type?: string; status?: number; errno?: unknown }): AppError | undefined {
  if (error.type === 'entity.parse.failed')
    return new AppError('BAD_JSON', 'The body could not be parsed as JSON.');
  if (error.type === 'entity.too.large')
    return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (error.type === 'parameters.too.many')
    return new AppError('PAYLOAD_TOO_LARGE', 'The form has too many fields.');
  if (error.type === 'encoding.unsupported' || error.status === 415)
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'This content type or encoding is not supported.');
  // A compressed body that does not inflate: body-parser passes zlib's own error on as a 400.
  if (error.status === 400 && typeof error.errno === 'number' && error.type === undefined)
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The body could not be decompressed.');
  if (error.status === 404) return new AppError('NOT_FOUND', 'Nothing is here.');
  return undefined;
}

// zod reports unknown keys on the object that holds them; the client needs the key itself.
function fieldErrors(error: ZodError): FieldError[] {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ path: [...i.path, key].join('.'), message: 'is not a known field' }))
      : [{ path: i.path.join('.') || '(body)', message: i.message }],
  );
}

export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) {
    const errors = fieldErrors(error);
    return new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  }
  // A database that is down or restarting is an outage to wait out (503), not a bug of ours (500).
  if (databaseUnavailableCode(error))
    return new AppError('UNAVAILABLE', 'The database is not reachable right now. Try again in a moment.');
  // Express could not percent-decode a path parameter (it marks that URIError 400): it names nothing here.
  if (error instanceof URIError && (error as { status?: unknown }).status === 400)
    return new AppError('NOT_FOUND', 'Nothing is here.');
  if (error && typeof error === 'object') return fromHttpError(error as { type?: string; status?: number });
  return undefined;
}

export function wantsJson(req: Parameters<RequestHandler>[0]): boolean {
  return req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json';
}

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new AppError('NOT_FOUND', `Nothing is at ${req.method} ${req.path}.`));
}

/** The one error middleware: problem+json for the API, a readable page elsewhere; 500s leak nothing. */
export function errorHandler(views: Views, i18n: I18n = createI18n()): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toAppError(error);
    const appError = known ?? new AppError('INTERNAL', 'An unexpected error occurred. It has been logged.');
    if (!known) req.log?.error({ err: loggableError(error) }, 'unhandled error');
    const outage = databaseUnavailableCode(error);
    // The driver's code only: a failed query's message repeats its parameters (personal data).
    if (outage) req.log?.warn({ code: outage }, 'database unavailable');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const requestId = typeof req.id === 'string' ? req.id : undefined;
    const problem: Problem = {
      type: `urn:rightsdesk:problem:${appError.code.toLowerCase().replaceAll('_', '-')}`,
      title: titles[appError.code],
      status: appError.status,
      detail: appError.message,
      instance: req.path,
      code: appError.code,
      requestId,
      ...(appError.fieldErrors ? { errors: appError.fieldErrors } : {}),
    };
    res.status(problem.status);
    if (outage && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '5');
    if (wantsJson(req)) {
      res.type('application/problem+json').send(JSON.stringify(problem));
      return;
    }
    const lang = typeof res.locals.lang === 'string' ? res.locals.lang : defaultLocale;
    const page = errorPage(i18n, lang, problem, res.getHeader('Retry-After'));
    res.type('html').send(
      views.render('errors/error', {
        lang,
        title: page.title,
        page,
        // Switching language re-requests the page: only a GET can be repeated safely.
        langPath: req.method === 'GET' ? undefined : '/',
      }),
    );
  };
}

// Codes a person can meet on a page get their own explanation; the rest share a generic one.
const explained = new Set<ErrorCode>([
  'NOT_FOUND',
  'REQUEST_NOT_FOUND',
  'TOKEN_INVALID',
  'TOKEN_USED',
  'TOKEN_EXPIRED',
  'REQUEST_CLOSED',
  'CSRF_FAILED',
  'RATE_LIMITED',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'STALE_VERSION',
  'ILLEGAL_TRANSITION',
  'EXPORT_GONE',
  'INTERNAL',
  'UNAVAILABLE',
]);

/**
 * The HTML error page in the reader's language. The English `detail` of an AppError is written for
 * API clients and logs, so pages say the catalog's text instead and name invalid fields only by path.
 */
export function errorPage(i18n: I18n, lang: string, problem: Problem, retryAfter: unknown) {
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(lang, key, vars);
  const minutes = Math.max(1, Math.ceil(Number(retryAfter) / 60) || 1);
  const code = problem.code;
  return {
    title: t(`error.title.${code}`),
    detail: t(explained.has(code) ? `error.detail.${code}` : 'error.detail.other', { minutes }),
    // The fields' own messages are English (zod's): an English reader gets them, others the field names.
    fields: (problem.errors ?? []).map((e) => (lang === 'en' ? `${e.path}: ${e.message}` : e.path)),
    requestId: problem.requestId,
  };
}
