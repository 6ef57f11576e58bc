// GraphiQL in a real browser: headless Chromium (Debian's package, /usr/bin/chromium or
// CHROMIUM_PATH; scripts/ensure-chromium.sh installs it) loads /graphql from the API, whose
// page and scripts come from the service's own npm packages (every request the page makes is
// checked to stay on the API's origin), runs a query with a bearer token and sees its data.
// Driven by playwright-core, like the console's suite (test/support/chromium.ts).
// A screenshot goes to test-output/graphiql.png (CI keeps it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TestApi } from '../support/api.js';
import { launchChromium } from '../support/chromium.js';
import { newCast, Story } from '../support/engagements.js';
import { REPO_ROOT } from '../support/schema.js';

const SCREENSHOT = join(REPO_ROOT, 'test-output', 'graphiql.png');

let api: TestApi;
let browser: Browser | undefined;
let page: Page;
const requested: string[] = [];

beforeAll(async () => {
  api = await TestApi.start();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('request', (req) => requested.push(req.url()));
});

afterAll(async () => {
  // the browser is a child process: closed on every path (and reaped by the test environment if that fails)
  await browser?.close().catch(() => undefined);
  await api?.close();
});

/** The text of a CodeMirror editor of the page (GraphiQL 3 keeps its instance on the element). */
function editorText(selector: string): Promise<string> {
  return page.$eval(selector, (el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
}

it('serves the IDE from the service itself, with the example query and the Authorization note in the first tab', async () => {
  const response = await page.goto(`${api.url}/graphql`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });
  const query = await editorText('.graphiql-query-editor .CodeMirror');
  expect(query).toContain('{"Authorization": "Bearer <token>"}');
  expect(query).toContain('engagements(first: 10)');
  // React, GraphiQL and its styles came from the API's origin: no CDN
  const origins = new Set(requested.filter((u) => u.startsWith('http')).map((u) => new URL(u).origin));
  expect([...origins]).toEqual([api.url]);
  expect(requested).toEqual(expect.arrayContaining([`${api.url}/graphiql-assets/graphiql.min.js`, `${api.url}/graphiql-assets/react.production.min.js`]));
});

it('runs a query with a bearer token typed into the Headers tab and shows the data', async () => {
  const cast = newCast();
  const engagement = await new Story(api, cast).open('Browser-visible engagement');
  const token = await api.token(cast.coach);

  await page.$eval(
    '.graphiql-query-editor .CodeMirror',
    (el, text) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(text),
    'query Mine { engagements(first: 10) { edges { node { id title } } } }',
  );
  // the Headers tab of the editor tools (open by default on this page)
  const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
  await page.waitForSelector(headersEditor);
  await page.$eval(
    headersEditor,
    (el, text) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(text),
    JSON.stringify({ Authorization: `Bearer ${token}` }),
  );
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    (id) => {
      const result = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.result-window .CodeMirror') as { CodeMirror?: { getValue(): string } } | null;
      return result?.CodeMirror?.getValue().includes(id) ?? false;
    },
    engagement.id,
    { timeout: 30_000 },
  );
  const result = JSON.parse(await editorText('.result-window .CodeMirror')) as {
    data: { engagements: { edges: { node: { id: string; title: string } }[] } };
  };
  expect(result.data.engagements.edges.map((e) => e.node)).toEqual([{ id: engagement.id, title: 'Browser-visible engagement' }]);

  mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`GraphiQL screenshot: ${SCREENSHOT}`);
});
