import { Router } from 'express';
import { z } from 'zod';
import { createRequestBody } from '../requests/requests-schemas.ts';
import { exportPaths } from './openapi-exports.ts';
import { fulfilmentPaths } from './openapi-fulfilment.ts';
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
  return {
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
      '/healthz': { get: { summary: 'The process answers.', responses: { '200': { description: 'ok' } } } },
      '/readyz': {
        get: {
          summary: 'The database answers.',
          responses: { '200': { description: 'ready' }, '503': { description: 'database down' } },
        },
      },
    },
  };
}

export function openApiRoutes(publicUrl: string): Router {
  const document = openApiDocument(publicUrl);
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
