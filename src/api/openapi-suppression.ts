import { z } from 'zod';
import { recipientsBody } from '../suppression/suppression-schemas.ts';
import { problem } from './openapi-shared.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const html = { 'text/html': { schema: { type: 'string' } } };
const token = {
  name: 'token',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'base64url(email HMAC).base64url(MAC): from a List-Unsubscribe URL; never expires',
};

/** The marketing opt-out endpoints: the send check (staff Bearer) and RFC 8058 one-click unsubscribe. */
export const suppressionPaths = {
  '/api/v1/marketing/recipients': {
    post: {
      security: [{ bearer: [] }],
      summary:
        'Marketing send check (admin, dpo): which addresses are suppressed, and the RFC 8058 headers for the others.',
      requestBody: { required: true, content: json(z.toJSONSchema(recipientsBody, { io: 'input' })) },
      responses: {
        '200': {
          description:
            'Addresses as given, split into allowed (with List-Unsubscribe headers) and suppressed',
          content: json({
            type: 'object',
            required: ['allowed', 'suppressed'],
            properties: {
              allowed: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['email', 'listUnsubscribe', 'listUnsubscribePost'],
                  properties: {
                    email: { type: 'string' },
                    listUnsubscribe: {
                      type: 'string',
                      description: 'List-Unsubscribe header value',
                      example: '<https://privacy.example.com/unsubscribe/…>',
                    },
                    listUnsubscribePost: { type: 'string', const: 'List-Unsubscribe=One-Click' },
                  },
                },
              },
              suppressed: { type: 'array', items: { type: 'string' } },
            },
          }),
        },
        '400': problem,
        '401': problem,
        '403': problem,
        '413': problem,
      },
    },
  },
  '/unsubscribe/{token}': {
    get: {
      summary: 'Unsubscribe page with a button; changes nothing (mail scanners prefetch links).',
      parameters: [token],
      responses: {
        '200': { description: 'Page', content: html },
        '400': { description: 'Invalid link', content: html },
      },
    },
    post: {
      summary:
        'One-click unsubscribe (RFC 8058): suppresses marketing mail to the address. No CSRF token or cookie needed; idempotent.',
      parameters: [token],
      requestBody: {
        required: false,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              properties: { 'List-Unsubscribe': { type: 'string', const: 'One-Click' } },
            },
          },
        },
      },
      responses: {
        '200': { description: 'Unsubscribed', content: html },
        '400': { description: 'Invalid link', content: html },
        '429': { description: 'Too many requests from this address', content: html },
      },
    },
  },
};
