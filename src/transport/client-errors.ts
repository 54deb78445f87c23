import type { Duplex } from 'node:stream';

type ParserError = Error & { code?: string; rawPacket?: Buffer };

// What each refusal says: the status line's reason, the problem code, the page's title and text.
const answers = {
  400: ['Bad Request', 'BAD_REQUEST', 'Bad request', 'This request could not be read.'],
  408: [
    'Request Timeout',
    'REQUEST_TIMEOUT',
    'Request timed out',
    'The request took too long to arrive. Please try again.',
  ],
  431: [
    'Request Header Fields Too Large',
    'HEADERS_TOO_LARGE',
    'Request too large',
    'The address or headers of this request are too long. Check the link, or clear this site’s cookies, and try again.',
  ],
} as const;

const statusFor = (code: string | undefined): keyof typeof answers =>
  code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;

const page = (status: number, title: string, detail: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1><p>${detail}</p><p>Error ${status}. Nothing was stored.</p><p><a href="/">Back to the start</a></p></main></body></html>`;

/**
 * The answer to a request Node's parser refused before Express saw it: a request head over the header
 * limit (often a very long address), bytes that are not HTTP, or a head that took too long to arrive.
 * Node's own answer is a bare status with no body; people get a readable page and API clients
 * problem+json, like every other refusal. Whether it was an API call is read from the start of the
 * refused bytes, when they still hold the request line.
 */
export function clientErrorResponse(err: ParserError): string {
  const status = statusFor(err.code);
  const [reason, code, title, detail] = answers[status];
  const head = err.rawPacket?.subarray(0, 64).toString('latin1') ?? '';
  const api = /^[A-Z]{3,7} \/api\//.test(head);
  const type = `urn:rightsdesk:problem:${code.toLowerCase().replaceAll('_', '-')}`;
  const body = api ? JSON.stringify({ type, title, status, detail, code }) : page(status, title, detail);
  return [
    `HTTP/1.1 ${status} ${reason}`,
    `Content-Type: ${api ? 'application/problem+json' : 'text/html; charset=utf-8'}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    "Content-Security-Policy: default-src 'none'",
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Installed on the web server's `clientError`: answers once if the socket can still be written, then closes it. */
export function answerClientError(err: Error, socket: Duplex): void {
  // A reset socket has nobody to answer.
  if ((err as ParserError).code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(err as ParserError));
}
