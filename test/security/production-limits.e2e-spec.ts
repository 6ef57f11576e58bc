// What production (NODE_ENV=production) adds to the limits: no introspection,
// no GraphiQL, no schema hints in errors — over HTTP and over the websocket,
// which does not go through Apollo. (Its own file: an app's configuration is
// read once per test file.)
import request from 'supertest';
import { TestApi } from '../support/api.js';
import { newCast } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';
import { subscribe, wsClient } from '../support/subscriptions.js';
import { waitFor } from '../support/wait.js';
import { TEST_SECRETS_KEYS } from '../support/env.js';

const cast = newCast('production-limits');
let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start({
    NODE_ENV: 'production',
    SECRETS_KEYS: TEST_SECRETS_KEYS,
    RATE_LIMIT_PREFIX: uniqueId('production-limits'),
  });
});
afterAll(async () => {
  await api?.close();
});

it('refuses introspection however it is dressed: __schema, __type, inside a fragment named __schema', async () => {
  for (const query of [
    '{ __schema { queryType { name } } }',
    '{ __type(name: "Engagement") { fields { name } } }',
    'query { ...__schema } fragment __schema on Query { __schema { types { name } } }',
  ]) {
    const res = await api.gql(query, {}, cast.admin);
    expect(res.status).toBe(400);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  }
});

it('serves no GraphiQL page to a browser', async () => {
  const res = await request(api.url).get('/graphql').set('accept', 'text/html');
  expect(res.status).toBeLessThan(500);
  expect(res.headers['content-type']).not.toMatch(/text\/html/);
  expect(res.text).not.toMatch(/<html|graphiql/i);
});

it('gives no "Did you mean" hints about the schema', async () => {
  const res = await api.gql('{ engagment(id: "x") { id } viewr { id } }', {}, cast.admin);
  expect(res.errors?.length).toBeGreaterThan(0);
  expect(JSON.stringify(res.body)).not.toMatch(/Did you mean/i);
});

it('applies the same rules to operations over the websocket: no introspection, no depth beyond the limit', async () => {
  const client = await wsClient(api, cast.admin);
  try {
    const introspection = subscribe(client, '{ __schema { queryType { name } } }', {});
    await waitFor('the introspection over the websocket to be refused', () => introspection.completed);
    expect(introspection.results).toEqual([]);
    expect(JSON.stringify(introspection.error)).toMatch(/introspection/i);

    const deep = subscribe(
      client,
      'query Deep { engagements { edges { node { homework { drafts { feedback { draft { homework { drafts { feedback { id } } } } } } } } } } }',
      {},
    );
    await waitFor('the deep operation over the websocket to be refused', () => deep.completed);
    expect(JSON.stringify(deep.error)).toMatch(/nested 11 fields deep; the limit is 10/);
  } finally {
    await client.dispose();
  }
});
