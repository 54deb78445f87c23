import type { RequestHandler } from 'express';
import { AppError } from './app-error.ts';

/**
 * The JSON API reads JSON and nothing else (ASVS V13.1.5): a urlencoded or text body is refused with
 * 415 instead of being parsed by the form parser. A form post is a "simple" cross-site request that
 * needs no CORS preflight, so accepting one would let any web page file requests from its visitors'
 * browsers (and addresses). Requests without a body (GET, an empty POST) pass.
 */
export function jsonBodiesOnly(): RequestHandler {
  return (req, _res, next) => {
    if (req.headers['content-length'] === '0') return next();
    // type-is: null when there is no body at all, false when there is one of another type.
    const json = req.is(['application/json', 'application/*+json']);
    next(
      json === false
        ? new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.')
        : undefined,
    );
  };
}
