// The API as production runs it: what exists only to help development and
// tests stays off. (Its own file: an app's configuration is read once per test file.)
import { randomBytes } from 'node:crypto';
import { TestApi } from '../support/api.js';
import { M, Q, newCast, ok, person } from '../support/engagements.js';

const cast = newCast('production');
let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start({ NODE_ENV: 'production', SECRETS_KEYS: `k1:${randomBytes(32).toString('base64')}` });
});
afterAll(async () => {
  await api?.close();
});

it('does not report the statements a request sent', async () => {
  const opened = ok(
    await api.gql<any>(M.openEngagement, { input: { coach: person(cast.coach), client: person(cast.client), title: 'Job search' } }, cast.coach),
  );
  const res = await api.gql<any>(Q.engagement, { id: opened.openEngagement.id }, cast.coach);
  expect(ok(res).engagement.id).toBe(opened.openEngagement.id);
  expect(res.body).not.toHaveProperty('extensions');
});

it('answers no introspection', async () => {
  const res = await api.gql(`query { __schema { queryType { name } } }`, {}, cast.admin);
  expect(res.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  expect(res.data).toBeNull();
});

it('serves no GraphiQL page and none of its files', async () => {
  const page = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
  const asset = await fetch(`${api.url}/graphiql-assets/graphiql.min.js`);
  expect(asset.status).toBe(404);
});
