import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffActions } from '../../src/requests/staff-request-schemas.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

type Op = { requestBody?: { content?: Record<string, unknown> }; responses?: Record<string, unknown> };

describe('GET /api/openapi.json', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false });
  });
  afterAll(async () => {
    await rt.dispose();
  });

  it('served → OpenAPI 3.1 with the public contract paths and the live request schema', async () => {
    const res = await request(rt.app).get('/api/openapi.json').expect(200).expect('content-type', /json/);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/requests', '/api/v1/verifications', '/healthz', '/readyz']),
    );
    const schema = res.body.paths['/api/v1/requests'].post.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['type', 'law', 'email']));
    expect(schema.properties.type.enum).toEqual(['access', 'rectify', 'erase', 'opt_out']);
    expect(schema.additionalProperties).toBe(false);
    expect(res.body.servers[0].url).toBe(rt.config.publicUrl);
  });

  it('every JSON body under /api documents the 415 a form or text body gets, and the API really answers it', async () => {
    const res = await request(rt.app).get('/api/openapi.json').expect(200);
    const withJsonBody = Object.entries(res.body.paths as Record<string, Record<string, Op>>).flatMap(
      ([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => path.startsWith('/api/') && op?.requestBody?.content?.['application/json'])
          .map(([method, op]) => ({ route: `${method} ${path}`, has415: Boolean(op.responses?.['415']) })),
    );
    expect(withJsonBody.length).toBeGreaterThan(5);
    expect(withJsonBody.filter((r) => !r.has415)).toEqual([]);
    const refused = await request(rt.app)
      .post('/api/v1/requests')
      .type('form')
      .send('type=access&law=gdpr&email=a%40example.org')
      .expect(415);
    expect(refused.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('staff contract → every staff JSON endpoint and action, with the live action body schemas', async () => {
    const res = await request(rt.app).get('/api/openapi.json').expect(200);
    const paths = Object.keys(res.body.paths);
    for (const path of [
      '/api/v1/staff/login',
      '/api/v1/staff/requests',
      '/api/v1/staff/requests/{reference}',
      '/api/v1/staff/support',
    ]) {
      expect(paths).toContain(path);
    }
    for (const action of staffActions) {
      const body =
        res.body.paths[`/api/v1/staff/requests/{reference}/${action}`].post.requestBody.content[
          'application/json'
        ].schema;
      expect(body.required).toContain('version');
    }
    const deny =
      res.body.paths['/api/v1/staff/requests/{reference}/deny'].post.requestBody.content['application/json']
        .schema;
    expect(deny.properties.reason.enum).toContain('manifestly_unfounded_or_excessive');
  });
});
