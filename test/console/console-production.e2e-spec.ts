// The console in production: no demo tokens (404), no demo people offered, no single sign-on unless configured,
// and a 503 naming the fix when the console was not built.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { TestApi } from '../support/api.js';
import { TEST_SECRETS_KEYS } from '../support/env.js';

let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start({
    NODE_ENV: 'production',
    SECRETS_KEYS: TEST_SECRETS_KEYS,
    // an empty directory: the console is not built
    CONSOLE_DIST_DIR: mkdtempSync(join(tmpdir(), 'console-empty-')),
  });
});
afterAll(async () => {
  await api?.close();
});

it('has no development token endpoint', async () => {
  await request(api.url).post('/console/dev/token').send({ person: 'admin' }).expect(404);
});

it('offers neither demo people nor single sign-on when none is configured', async () => {
  const res = await request(api.url).get('/console/config.json').expect(200);
  expect(res.body).toEqual({ devSignIn: null, oidc: null });
});

it('answers 503 with what to do when the console is not built', async () => {
  const res = await request(api.url).get('/console/').expect(503);
  expect(res.body.message).toMatch(/npm run build/);
});
