// Every expected failure has a code; the code decides the HTTP status in exactly one place.
export const errorStatus = {
  VALIDATION_FAILED: 400,
  BAD_JSON: 400,
  UNAUTHENTICATED: 401,
  SIGNATURE_MISSING: 401,
  SIGNATURE_MALFORMED: 401,
  SIGNATURE_STALE: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_REPLAYED: 409,
  TASK_NOT_WAITING: 409,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  REQUEST_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  TOKEN_INVALID: 400,
  TOKEN_USED: 409,
  TOKEN_EXPIRED: 410,
  REQUEST_CLOSED: 409,
  EXTENSION_REFUSED: 409,
  RESEND_LIMIT: 429,
  STALE_VERSION: 409,
  ILLEGAL_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  EXPORT_GONE: 410,
  EXPORT_NOT_READY: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type FieldError = { path: string; message: string };

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: FieldError[],
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}

export const titles: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'Some fields are not valid',
  BAD_JSON: 'The request body is not valid JSON',
  UNAUTHENTICATED: 'Sign-in required',
  SIGNATURE_MISSING: 'The request is not signed',
  SIGNATURE_MALFORMED: 'The signature header is malformed',
  SIGNATURE_STALE: 'The signature is too old or too far ahead',
  SIGNATURE_INVALID: 'The signature does not match',
  SIGNATURE_REPLAYED: 'This signed request was already received',
  TASK_NOT_WAITING: 'No task is waiting for this callback',
  FORBIDDEN: 'Not allowed',
  CSRF_FAILED: 'The form has expired',
  NOT_FOUND: 'Not found',
  REQUEST_NOT_FOUND: 'Request not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONFLICT: 'Conflict',
  TOKEN_INVALID: 'This link is not valid',
  TOKEN_USED: 'This link has already been used',
  TOKEN_EXPIRED: 'This link has expired',
  REQUEST_CLOSED: 'This request is closed',
  EXTENSION_REFUSED: 'The deadline cannot be extended',
  RESEND_LIMIT: 'Too many new links today',
  STALE_VERSION: 'Someone else changed this request',
  ILLEGAL_TRANSITION: 'That action is not possible now',
  PAYLOAD_TOO_LARGE: 'The request is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  RATE_LIMITED: 'Too many requests',
  EXPORT_GONE: 'This export is no longer available',
  EXPORT_NOT_READY: 'This export is not ready',
  INTERNAL: 'Something went wrong on our side',
  UNAVAILABLE: 'Temporarily unavailable',
};
