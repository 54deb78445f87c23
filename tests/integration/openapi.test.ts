import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

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
});
