import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/http/app-error.ts';
import { errorHandler, notFound } from '../../src/http/error-handler.ts';
import { createViews } from '../../src/http/views.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

describe('health and readiness', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false });
  });
  afterAll(async () => {
    await rt.dispose();
  });

  it('GET /healthz → 200 ok with a request id header', async () => {
    const res = await request(rt.app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /readyz with the database up → 200', async () => {
    await request(rt.app).get('/readyz').expect(200, { status: 'ready', database: 'up' });
  });

  it('security headers → set by helmet, no x-powered-by', async () => {
    const res = await request(rt.app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeUndefined(); // http public URL
  });

  it('a well-formed incoming X-Request-Id → echoed; a hostile one → replaced', async () => {
    const kept = await request(rt.app).get('/healthz').set('X-Request-Id', 'abc12345-trace');
    expect(kept.headers['x-request-id']).toBe('abc12345-trace');
    const replaced = await request(rt.app).get('/healthz').set('X-Request-Id', '<script>alert(1)</script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown API path → 404 problem+json', async () => {
    const res = await request(rt.app).get('/api/v1/nothing-here').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'urn:rightsdesk:problem:not-found',
      title: 'Not found',
      status: 404,
      code: 'NOT_FOUND',
      instance: '/api/v1/nothing-here',
    });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('unknown page → 404 readable HTML page', async () => {
    const res = await request(rt.app).get('/no/such/page').set('Accept', 'text/html').expect(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<h1>Page not found</h1>');
    expect(res.text).toContain('<html lang="en">');
  });

  it('malformed JSON body on an API route → 400 problem+json naming the problem', async () => {
    const res = await request(rt.app)
      .post('/api/v1/anything')
      .set('Content-Type', 'application/json')
      .send('{"type": ')
      .expect(400);
    expect(res.body).toMatchObject({ code: 'BAD_JSON', status: 400 });
  });

  it('body over the size limit → 413 problem+json', async () => {
    const res = await request(rt.app)
      .post('/api/v1/anything')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ details: 'x'.repeat(200_000) }))
      .expect(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('readiness with the database gone', () => {
  it('database closed → /readyz 503 while /healthz stays 200', async () => {
    const rt = await createTestRuntime({ worker: false });
    try {
      await rt.jobs.stop();
      await rt.database.close();
      await request(rt.app).get('/readyz').expect(503, { status: 'unavailable', database: 'down' });
      await request(rt.app).get('/healthz').expect(200);
    } finally {
      await rt.dispose();
    }
  });
});

describe('error middleware', () => {
  const views = createViews({ orgName: 'Test Org' });
  const app = express();
  app.get('/api/v1/boom', () => {
    throw new Error('secret connection string postgres://user:pw@db/x');
  });
  app.get('/boom', () => {
    throw new Error('secret detail');
  });
  app.get('/api/v1/conflict', () => {
    throw new AppError('STALE_VERSION', 'Version 3 is stale; the request is now at version 4.');
  });
  app.use(notFound());
  app.use(errorHandler(views));

  it('unknown error on an API route → generic 500 problem that leaks nothing', async () => {
    const res = await request(app).get('/api/v1/boom').expect(500);
    expect(res.body).toMatchObject({
      status: 500,
      code: 'INTERNAL',
      title: 'Something went wrong on our side',
    });
    expect(JSON.stringify(res.body)).not.toContain('postgres://');
    expect(JSON.stringify(res.body)).not.toContain('stack');
  });

  it('unknown error on a page → generic HTML 500', async () => {
    const res = await request(app).get('/boom').set('Accept', 'text/html').expect(500);
    expect(res.text).toContain('Something went wrong on our side');
    expect(res.text).not.toContain('secret detail');
  });

  it('coded AppError → its status and code', async () => {
    const res = await request(app).get('/api/v1/conflict').expect(409);
    expect(res.body).toMatchObject({ code: 'STALE_VERSION', detail: expect.stringContaining('version 4') });
  });
});
