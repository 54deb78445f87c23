import { z } from 'zod';
import { callbackBody } from '../fulfilment/http/http-schemas.ts';
import { correctionDecisionsBody } from '../fulfilment/review-schemas.ts';
import { problem } from './openapi-shared.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const bearer = [{ bearer: [] }];
const reference = { name: 'reference', in: 'path', required: true, schema: { type: 'string' } };
const outcome = {
  type: 'object',
  properties: {
    collection: { type: 'string' },
    field: { type: 'string' },
    category: { type: 'string' },
    outcome: { enum: ['delete', 'null', 'hash', 'redact', 'retain'] },
    rows: { type: 'integer' },
    basis: { type: 'string' },
    period: { type: 'string' },
  },
};

/** Fulfilment review (staff) and the signed callback of http data sources. */
export const fulfilmentPaths = {
  '/api/v1/staff/requests/{reference}/erasure-plan': {
    get: {
      security: bearer,
      parameters: [reference],
      summary: 'Erasure dry run: per source and field what would be deleted, masked or kept, and why.',
      responses: {
        '200': {
          description: 'One plan per source that can erase (or the error it gave)',
          content: json({
            type: 'object',
            properties: {
              reference: { type: 'string' },
              sources: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    source: { type: 'string' },
                    kind: { type: 'string' },
                    fields: { type: 'array', items: outcome },
                    notes: { type: 'array', items: { type: 'string' } },
                    error: { type: 'string' },
                  },
                },
              },
            },
          }),
        },
        '403': problem,
        '404': problem,
      },
    },
  },
  '/api/v1/staff/requests/{reference}/rectification': {
    get: {
      security: bearer,
      parameters: [reference],
      summary: "The subject's corrections as a diff against current values, per source, collection and row.",
      responses: { '200': { description: 'Corrections, changes and per-source problems' }, '403': problem },
    },
  },
  '/api/v1/staff/requests/{reference}/corrections': {
    put: {
      security: bearer,
      parameters: [reference],
      summary: 'Accept (optionally with an edited value) or reject single corrections before approval.',
      requestBody: {
        required: true,
        content: json(z.toJSONSchema(correctionDecisionsBody, { io: 'input' })),
      },
      responses: {
        '200': { description: 'The updated request item' },
        '400': problem,
        '403': problem,
        '409': problem,
      },
    },
  },
  '/api/v1/callbacks/{source}': {
    post: {
      summary:
        'A slow http source reports the outcome of a task it answered 202 for. Signed: header ' +
        '`Rightsdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`, ' +
        'within 300 s of our clock; each signature is accepted once.',
      parameters: [{ name: 'source', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, content: json(z.toJSONSchema(callbackBody, { io: 'input' })) },
      responses: {
        '200': {
          description: 'Settled',
          content: json({ type: 'object', properties: { ok: { type: 'boolean' } } }),
        },
        '400': problem,
        '401': problem,
        '404': problem,
        '409': problem,
        '413': problem,
      },
    },
  },
};
