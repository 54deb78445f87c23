import express, { type Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createCsrf } from '../../src/http/csrf.ts';
import { errorHandler, notFound } from '../../src/http/error-handler.ts';
import { createViews } from '../../src/http/views.ts';

const secretKey = 'test-secret-key-that-is-long-enough-0123456789';
const views = createViews({ orgName: 'Test Org' });

function formApp(secureCookies = false): Express {
  const csrf = createCsrf({ secretKey, secureCookies });
  const session = (req: express.Request) => req.get('x-test-session');
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.get('/form', (req, res) => {
    res.type('html').send(`<input type="hidden" name="_csrf" value="${csrf.issue(req, res)}">`);
  });
  app.post('/form', csrf.protect(), (_req, res) => {
    res.send('accepted');
  });
  app.get('/staff/form', (req, res) => {
    res.send(csrf.issue(req, res, session(req)));
  });
  app.post('/staff/form', csrf.protect(session), (_req, res) => {
    res.send('accepted');
  });
  app.use(notFound());
  app.use(errorHandler(views));
  return app;
}

/** Opens the form like a browser would: returns the cookie pair to send back and the hidden token. */
async function openForm(app: Express, path = '/form', headers: Record<string, string> = {}) {
  const res = await request(app).get(path).set(headers).expect(200);
  const setCookie = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const raw = setCookie[0] ?? '';
  const cookie = raw.split(';')[0] ?? '';
  const token = /value="([^"]+)"/.exec(res.text)?.[1] ?? res.text;
  return { raw, cookie, token };
}

const postForm = (app: Express, fields: Record<string, string>, cookie?: string) => {
  const req = request(app).post('/form').type('form').set('Accept', 'text/html');
  if (cookie !== undefined) req.set('Cookie', cookie);
  return req.send(fields);
};

describe('CSRF protection for forms', () => {
  const app = formApp();

  it('form posted with the token from the same browser → passes', async () => {
    const { cookie, token } = await openForm(app);
    const res = await postForm(app, { _csrf: token, email: 'a@example.com' }, cookie).expect(200);
    expect(res.text).toBe('accepted');
  });

  it('token in the X-CSRF-Token header (e.g. multipart without a parsed body) → passes', async () => {
    const { cookie, token } = await openForm(app);
    await request(app)
      .post('/form')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', token)
      .attach('file', Buffer.from('hello'), 'hello.txt')
      .expect(200, 'accepted');
  });

  it('form without a token → 403 readable HTML page', async () => {
    const { cookie } = await openForm(app);
    const res = await postForm(app, { email: 'a@example.com' }, cookie).expect(403);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('reload the page and try again.');
  });

  it('wrong token → 403', async () => {
    const { cookie, token } = await openForm(app);
    const wrong = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    await postForm(app, { _csrf: wrong }, cookie).expect(403);
    await postForm(app, { _csrf: 'short' }, cookie).expect(403);
  });

  it('token issued for another browser cookie → 403', async () => {
    const first = await openForm(app);
    const second = await openForm(app);
    expect(first.cookie).not.toBe(second.cookie);
    await postForm(app, { _csrf: first.token }, second.cookie).expect(403);
  });

  it('token without any cookie (cross-site forgery from a fresh browser) → 403', async () => {
    const { token } = await openForm(app);
    await postForm(app, { _csrf: token }).expect(403);
  });

  it('garbage cookie headers → 403, never a crash', async () => {
    const { token } = await openForm(app);
    for (const cookie of [
      'rd_csrf',
      '=;;;=',
      'rd_csrf=%E0%A4%A',
      'rd_csrf="unterminated',
      'rd_csrf=a=b=c; ;',
    ]) {
      await postForm(app, { _csrf: token }, cookie).expect(403);
    }
  });

  it('failure with Accept: application/json → 403 problem+json with code CSRF_FAILED', async () => {
    const res = await request(app)
      .post('/form')
      .type('form')
      .set('Accept', 'application/json')
      .send({ _csrf: 'nope' })
      .expect(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'CSRF_FAILED', status: 403 });
    expect(res.body.detail).toContain('The form expired');
  });

  it('GET is never blocked, with or without a cookie', async () => {
    await request(app).get('/form').expect(200);
    await request(app).get('/form').set('Cookie', 'rd_csrf=garbage').expect(200);
  });

  it('second visit with the cookie → no new cookie, same token', async () => {
    const first = await openForm(app);
    const again = await request(app).get('/form').set('Cookie', first.cookie).expect(200);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.text).toContain(first.token);
  });

  it('staff form: token bound to the session → passes; with another session → 403', async () => {
    const { cookie, token } = await openForm(app, '/staff/form', { 'x-test-session': 'session-1' });
    const post = (session: string) =>
      request(app)
        .post('/staff/form')
        .type('form')
        .set('Cookie', cookie)
        .set('x-test-session', session)
        .send({ _csrf: token });
    await post('session-1').expect(200, 'accepted');
    await post('session-2').expect(403);
    const publicToken = (await request(app).get('/form').set('Cookie', cookie)).text;
    expect(publicToken).not.toContain(token);
  });

  it('cookie over http → HttpOnly, SameSite=Lax, Path=/, not Secure, plain name', async () => {
    const { raw } = await openForm(app);
    expect(raw).toMatch(/^rd_csrf=[A-Za-z0-9_-]{43};/);
    expect(raw).toContain('HttpOnly');
    expect(raw).toContain('SameSite=Lax');
    expect(raw).toContain('Path=/');
    expect(raw).not.toContain('Secure');
  });

  it('cookie for an https public URL → __Host- prefix and Secure; the plain name is ignored', async () => {
    const secure = formApp(true);
    const { raw, cookie, token } = await openForm(secure);
    expect(raw).toMatch(/^__Host-rd_csrf=[A-Za-z0-9_-]{43};/);
    expect(raw).toContain('Secure');
    expect(raw).toContain('HttpOnly');
    expect(raw).toContain('SameSite=Lax');
    expect(raw).not.toContain('Domain');
    await postForm(secure, { _csrf: token }, cookie).expect(200);
    await postForm(secure, { _csrf: token }, cookie.replace('__Host-', '')).expect(403);
  });
});
