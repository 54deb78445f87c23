import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
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
function fromHttpError(error: { type?: string; status?: number }): AppError | undefined {
  if (error.type === 'entity.parse.failed')
    return new AppError('BAD_JSON', 'The body could not be parsed as JSON.');
  if (error.type === 'entity.too.large')
    return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (error.type === 'encoding.unsupported' || error.status === 415)
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'This content type or encoding is not supported.');
  if (error.status === 404) return new AppError('NOT_FOUND', 'Nothing is here.');
  return undefined;
}

export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) {
    const errors = error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    return new AppError('VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  }
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
export function errorHandler(views: Views): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toAppError(error);
    const appError = known ?? new AppError('INTERNAL', 'An unexpected error occurred. It has been logged.');
    if (!known) req.log?.error({ err: error }, 'unhandled error');
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
    if (wantsJson(req)) {
      res.type('application/problem+json').send(JSON.stringify(problem));
      return;
    }
    res.type('html').send(views.render('errors/error', { title: problem.title, problem }));
  };
}
