// The API as production runs it: what exists only to help development and
// tests stays off. (Its own file: an app's configuration is read once per test file.)
import { M, Q, newCast, ok, person } from '../support/engagements.js';
import { e2e } from '../support/e2e.js';
import { TEST_SECRETS_KEYS } from '../support/env.js';

const cast = newCast('production');
const the = e2e({ env: { NODE_ENV: 'production', SECRETS_KEYS: TEST_SECRETS_KEYS }, pool: 0 });

it('does not report the statements a request sent', async () => {
  const opened = ok(
    await the.api.gql<any>(M.openEngagement, { input: { coach: person(cast.coach), client: person(cast.client), title: 'Job search' } }, cast.coach),
  );
  const res = await the.api.gql<any>(Q.engagement, { id: opened.openEngagement.id }, cast.coach);
  expect(ok(res).engagement.id).toBe(opened.openEngagement.id);
  expect(res.body).not.toHaveProperty('extensions');
});

it('answers no introspection', async () => {
  const res = await the.api.gql(`query { __schema { queryType { name } } }`, {}, cast.admin);
  expect(res.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  expect(res.data).toBeNull();
});

it('serves no GraphiQL page and none of its files', async () => {
  const page = await fetch(`${the.api.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
  const asset = await fetch(`${the.api.url}/graphiql-assets/graphiql.min.js`);
  expect(asset.status).toBe(404);
});
