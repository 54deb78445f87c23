import type { RequestHandler } from 'express';
import { AppError, type FieldError } from './app-error.ts';

export const nulMessage = 'must not contain the NUL character (U+0000)';
const message = nulMessage;

/** For form schemas (forms re-render with their own field errors, so the middleware leaves them to these). */
export const withoutNul = (value: string) => !value.includes('\u0000');

/**
 * Where the first NUL is (in a string or a key), for JSON that no schema bounds (a source's records).
 * Walked with a list, not recursion: such JSON may be nested deeper than the call stack allows.
 */
export function firstNulPath(value: unknown): (string | number)[] | undefined {
  const pending: [unknown, (string | number)[]][] = [[value, []]];
  while (pending.length > 0) {
    const [next, path] = pending.pop()!;
    if (typeof next === 'string' && next.includes('\u0000')) return path;
    if (next === null || typeof next !== 'object') continue;
    for (const [key, inner] of Object.entries(next)) {
      const at = [...path, Array.isArray(next) ? Number(key) : key];
      if (key.includes('\u0000')) return at;
      pending.push([inner, at]);
    }
  }
  return undefined;
}

// Deeper than any body a route accepts: such a body fails its schema anyway.
const maxDepth = 32;

function findNul(value: unknown, path: string[], found: FieldError[], depth: number): void {
  if (found.length >= 10 || depth > maxDepth) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push({ path: path.length > 0 ? path.join('.') : '(body)', message });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) found.push({ path: [...path, key].join('.'), message });
    findNul(inner, [...path, key], found, depth + 1);
  }
}

/**
 * PostgreSQL text cannot hold U+0000 and refuses the whole statement (PGlite stores it), so a NUL in
 * any field of a JSON body or a query is invalid input, named as such, before a route runs: never a
 * 500 from deep inside a transaction. No person types a NUL. Form bodies are left to their routes'
 * schemas (withoutNul), so a form can show the error beside its field.
 */
export function refuseNul(): RequestHandler {
  return (req, _res, next) => {
    const found: FieldError[] = [];
    if (req.is(['application/json', 'application/*+json'])) findNul(req.body, [], found, 0);
    findNul(req.query, [], found, 0);
    if (found.length === 0) return next();
    next(new AppError('VALIDATION_FAILED', found.map((e) => `${e.path}: ${e.message}`).join('; '), found));
  };
}
