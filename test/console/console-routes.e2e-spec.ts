// The console's HTTP routes in development: its configuration, the demo people's tokens (which the
// API accepts), and its page for every client-side route. (Production: console-production.e2e-spec.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { TestApi } from '../support/api.js';

const dist = mkdtempSync(join(tmpdir(), 'console-dist-'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start({
    NODE_ENV: 'development',
    CONSOLE_DIST_DIR: dist,
    CONSOLE_OIDC_ISSUER: 'https://id.practice.example',
    CONSOLE_OIDC_CLIENT_ID: 'coaching-console',
    JWT_AUDIENCE: 'urn:coaching:api',
  });
});
afterAll(async () => {
  await api?.close();
});

it('tells the console how to sign in: the demo people in development, the identity provider when configured', async () => {
  const res = await request(api.url).get('/console/config.json').expect(200);
  expect(res.body).toEqual({
    devSignIn: {
      people: [
        { key: 'admin', name: 'Practice admin', role: 'ADMIN' },
        { key: 'coach', name: 'Mark', role: 'COACH' },
        { key: 'client', name: 'Daniel Price', role: 'CLIENT' },
      ],
    },
    oidc: { issuer: 'https://id.practice.example', clientId: 'coaching-console', scope: 'openid profile', resource: 'urn:coaching:api' },
  });
});

it('issues a demo person a token the API accepts', async () => {
  const res = await request(api.url).post('/console/dev/token').send({ person: 'coach' }).expect(200);
  const viewer = await request(api.url)
    .post('/graphql')
    .set('authorization', `Bearer ${res.body.token}`)
    .send({ query: '{ viewer { id practiceId role } }' })
    .expect(200);
  expect(viewer.body.data.viewer).toEqual({ id: 'coach-mark', practiceId: 'demo-practice', role: 'COACH' });
});

it('refuses an unknown person or lifetime by name', async () => {
  const unknown = await request(api.url).post('/console/dev/token').send({ person: 'root' }).expect(400);
  expect(unknown.body.message).toMatch(/person must be one of admin, coach, client/);
  const ttl = await request(api.url).post('/console/dev/token').send({ person: 'admin', ttlSeconds: 999_999 }).expect(400);
  expect(ttl.body.message).toMatch(/ttlSeconds/);
});

it('serves the app for every client-side route, not cached', async () => {
  await request(api.url).get('/console').expect(301).expect('location', '/console/');
  for (const path of ['/console/', '/console/engagements/1234', '/console/callback?code=x&state=y']) {
    const res = await request(api.url).get(path).expect(200);
    expect(res.text).toContain('<div id="root"></div>');
    expect(res.headers['cache-control']).toBe('no-cache');
  }
});
