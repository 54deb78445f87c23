import { z } from 'zod';
import { actionBodies, staffActions } from '../requests/staff-request-schemas.ts';
import { problem } from './openapi-shared.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const bearer = [{ bearer: [] }];
const item = {
  type: 'object',
  properties: Object.fromEntries(
    [
      'reference',
      'type',
      'law',
      'status',
      'receivedAt',
      'acknowledgeBy',
      'dueBy',
      'safeDueBy',
      'extendedDueBy',
      'assignee',
    ].map((k) => [k, { type: ['string', 'null'] }]),
  ),
};
const withVersion = { ...item, properties: { ...item.properties, version: { type: 'integer' } } };
const query = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description,
});

/** The staff part of DESIGN.md's HTTP contract; action bodies come from the routes' own zod schemas. */
export const staffPaths = {
  '/api/v1/staff/login': {
    post: {
      summary: 'Sign in; returns a Bearer token bound to a revocable session (12 h).',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['email', 'password'],
          properties: { email: { type: 'string' }, password: { type: 'string' } },
        }),
      },
      responses: {
        '200': {
          description: 'Signed in',
          content: json({
            type: 'object',
            properties: { token: { type: 'string' }, expiresAt: { type: 'string' } },
          }),
        },
        '401': problem,
        '429': problem,
      },
    },
  },
  '/api/v1/staff/logout': {
    post: {
      security: bearer,
      summary: 'End this session.',
      responses: { '204': { description: 'Signed out' }, '401': problem },
    },
  },
  '/api/v1/staff/requests': {
    get: {
      security: bearer,
      summary: 'The queue, sorted by safeDueBy, keyset-paginated. No subject data.',
      parameters: [
        query('status', 'one status, a comma list, open (the default) or all'),
        query('type', 'access, rectify, erase, opt_out (comma list allowed)'),
        query('law', 'law id (comma list allowed)'),
        query('assignee', 'a staff id, me or none'),
        query('overdue', 'true: open requests whose safeDueBy is before today (UTC date); false: the rest'),
        query(
          'q',
          'a reference (any case, dashes optional) or an exact email; items never contain the email',
        ),
        query('limit', '1–100, default 50'),
        query('cursor', 'nextCursor of the previous page'),
      ],
      responses: {
        '200': {
          description: 'A page',
          content: json({
            type: 'object',
            properties: {
              items: { type: 'array', items: withVersion },
              nextCursor: { type: ['string', 'null'] },
            },
          }),
        },
        '400': problem,
        '401': problem,
        '403': problem,
      },
    },
  },
  '/api/v1/staff/requests/counts': {
    get: {
      security: bearer,
      summary: 'Counts per status, overdue and due soon.',
      responses: { '200': { description: 'Counts' }, '401': problem },
    },
  },
  '/api/v1/staff/requests/{reference}': {
    get: {
      security: bearer,
      summary:
        'One request with subject data, clock and explanation, events, notes and emails sent (audited as a view).',
      parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'The request' }, '401': problem, '403': problem, '404': problem },
    },
  },
  ...Object.fromEntries(
    staffActions.map((action) => [
      `/api/v1/staff/requests/{reference}/${action}`,
      {
        post: {
          security: bearer,
          summary: `${action}: through the one transition function; a stale version is 409.`,
          parameters: [{ name: 'reference', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: json(z.toJSONSchema(actionBodies[action], { io: 'input' })),
          },
          responses: {
            '200': { description: 'The updated item', content: json(withVersion) },
            '400': problem,
            '401': problem,
            '403': problem,
            '404': problem,
            '409': problem,
          },
        },
      },
    ]),
  ),
  '/api/v1/staff/support': {
    get: {
      security: bearer,
      summary: 'Support lookup by reference or email: status, dates and public timeline; the email masked.',
      parameters: [query('q', 'a reference or an exact email address')],
      responses: { '200': { description: 'Masked matches' }, '401': problem, '403': problem },
    },
  },
};
