import { problem } from './openapi-shared.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const bearer = [{ bearer: [] }];
const reference = { name: 'reference', in: 'path', required: true, schema: { type: 'string' } };
const bundleId = { name: 'bundleId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const instant = { type: 'string', format: 'date-time' };
const item = {
  type: 'object',
  required: ['id', 'state', 'size', 'sha256', 'createdAt', 'expiresAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    state: { enum: ['released', 'awaiting_review', 'expired', 'revoked', 'purged'] },
    size: { type: 'integer', description: 'Plaintext ZIP size in bytes' },
    sha256: { type: 'string', description: 'SHA-256 (hex) of the plaintext ZIP' },
    files: { type: 'integer', description: 'Files listed in manifest.json' },
    createdAt: instant,
    releasedAt: { ...instant, type: ['string', 'null'] },
    expiresAt: instant,
    revokedAt: { ...instant, type: ['string', 'null'] },
    purgedAt: { ...instant, type: ['string', 'null'], description: 'When the file left the store' },
  },
};
const forbidden = {
  ...problem,
  description: 'The role lacks export.view (support never sees exported data)',
};

/** Export bundles of access requests, for staff with export.view (admin, DPO). */
export const exportPaths = {
  '/api/v1/staff/requests/{reference}/exports': {
    get: {
      security: bearer,
      parameters: [reference],
      summary: "The request's export bundles with their state (no personal data).",
      responses: {
        '200': {
          description: 'Bundles, oldest first; `review` tells whether EXPORT_REVIEW is on',
          content: json({
            type: 'object',
            properties: {
              reference: { type: 'string' },
              review: { type: 'boolean' },
              items: { type: 'array', items: item },
            },
          }),
        },
        '403': forbidden,
        '404': problem,
      },
    },
  },
  '/api/v1/staff/requests/{reference}/exports/rebuild': {
    post: {
      security: bearer,
      parameters: [reference],
      summary: 'Build a fresh bundle from the records already collected (none may be live: revoke it first).',
      responses: {
        '202': {
          description: 'Queued',
          content: json({
            type: 'object',
            properties: { reference: { type: 'string' }, queued: { const: true } },
          }),
        },
        '403': forbidden,
        '404': problem,
        '409': problem,
      },
    },
  },
  '/api/v1/staff/requests/{reference}/exports/{bundleId}/release': {
    post: {
      security: bearer,
      parameters: [reference, bundleId],
      summary:
        'EXPORT_REVIEW=on: release a reviewed bundle. Its link (valid EXPORT_LINK_DAYS from now) goes to the subject; a processing request completes.',
      responses: {
        '200': { description: 'The released bundle', content: json(item) },
        '403': forbidden,
        '404': problem,
        '409': { ...problem, description: 'Already released, or the request is closed' },
        '410': { ...problem, description: 'Revoked or expired' },
      },
    },
  },
  '/api/v1/staff/requests/{reference}/exports/{bundleId}/revoke': {
    post: {
      security: bearer,
      parameters: [reference, bundleId],
      summary: 'Withdraw a bundle: its link and codes stop working at once; the purge job deletes the file.',
      responses: {
        '200': { description: 'The revoked bundle', content: json(item) },
        '403': forbidden,
        '404': problem,
        '409': { ...problem, description: 'Already revoked or deleted' },
      },
    },
  },
  '/api/v1/staff/requests/{reference}/exports/{bundleId}/preview': {
    get: {
      security: bearer,
      parameters: [reference, bundleId],
      summary: 'The decrypted ZIP, for the DPO to review (recorded in the audit trail).',
      responses: {
        '200': {
          description: 'The bundle',
          content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
        },
        '403': forbidden,
        '404': problem,
        '410': { ...problem, description: 'The file has been deleted' },
      },
    },
  },
};
