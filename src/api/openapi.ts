import { Router } from 'express';
import { z } from 'zod';
import { createRequestBody } from '../requests/requests-schemas.ts';
import { exportPaths } from './openapi-exports.ts';
import { fulfilmentPaths } from './openapi-fulfilment.ts';
import { reportPaths } from './openapi-reports.ts';
import { problem } from './openapi-shared.ts';
import { staffPaths } from './openapi-staff.ts';
import { suppressionPaths } from './openapi-suppression.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const reference = {
  type: 'object',
  required: ['reference', 'status'],
  properties: { reference: { type: 'string', example: 'RD-7K3M-Q9XP' }, status: { type: 'string' } },
};
const tokenBody = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: { token: { type: 'string' } },
};

/** The public HTTP contract of DESIGN.md as OpenAPI 3.1; request schemas come from the same zod schemas the routes use. */
export function openApiDocument(publicUrl: string) {
  return withJsonOnly({
    openapi: '3.1.0',
    info: {
      title: 'Rightsdesk API',
      version: '1',
      description: 'Privacy rights requests: intake, verification, status.',
    },
    servers: [{ url: publicUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: {
      '/api/v1/requests': {
        post: {
          summary: 'File a rights request. The answer is the same whatever the email (no enumeration).',
          requestBody: { required: true, content: json(z.toJSONSchema(createRequestBody, { io: 'input' })) },
          responses: {
            '202': { description: 'Accepted', content: json(reference) },
            '400': problem,
            '413': problem,
            '429': problem,
          },
        },
      },
      '/api/v1/verifications': {
        post: {
          summary: 'Verify the email address with the emailed token.',
          requestBody: { required: true, content: json(tokenBody) },
          responses: {
            '200': { description: 'Verified', content: json(reference) },
            '400': problem,
            '409': problem,
            '410': problem,
          },
        },
      },
      '/api/v1/verifications/resend': {
        post: {
          summary: 'Email a new verification link for the same request (the old one stops working; 5 a day).',
          requestBody: { required: true, content: json(tokenBody) },
          responses: {
            '202': {
              description: 'Sent',
              content: json({ type: 'object', properties: { reference: { type: 'string' } } }),
            },
            '400': problem,
            '409': problem,
            '429': problem,
          },
        },
      },
      ...staffPaths,
      ...suppressionPaths,
      ...fulfilmentPaths,
      ...exportPaths,
      ...reportPaths,
      '/healthz': { get: { summary: 'The process answers.', responses: { '200': { description: 'ok' } } } },
      '/readyz': {
        get: {
          summary: 'The database answers.',
          responses: { '200': { description: 'ready' }, '503': { description: 'database down' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (METRICS_TOKEN as Bearer, or loopback and STAFF_ALLOWED_IPS).',
          responses: {
            '200': { description: 'Prometheus text format', content: { 'text/plain': {} } },
            '401': { description: 'METRICS_TOKEN is set and the Bearer token is missing or wrong' },
            '404': { description: 'not allowed from this address' },
          },
        },
      },
      '/.well-known/security.txt': {
        get: {
          summary: 'RFC 9116 security contact file (when SECURITY_CONTACT is set).',
          responses: {
            '200': { description: 'security.txt', content: { 'text/plain': {} } },
            '404': { description: 'SECURITY_CONTACT is not set' },
          },
        },
      },
    },
  });
}

type Operation = { requestBody?: { content?: Record<string, unknown> }; responses?: Record<string, unknown> };

/** Every JSON body under /api answers 415 to any other content type (src/http/json-only.ts): say so once. */
function withJsonOnly<T extends { paths: Record<string, Record<string, unknown>> }>(document: T): T {
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const operation of Object.values(item) as Operation[]) {
      if (!operation?.requestBody?.content?.['application/json'] || !operation.responses) continue;
      operation.responses['415'] ??= problem;
    }
  }
  return document;
}

export function openApiRoutes(publicUrl: string): Router {
  const document = openApiDocument(publicUrl);
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
