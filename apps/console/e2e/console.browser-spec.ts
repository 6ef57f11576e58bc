/// <reference lib="dom" />
// The practice console in headless Chromium against the compiled API and worker, PostgreSQL and
// Redis: each role's main journey, live updates between tabs, OpenID Connect sign-in against a
// real provider, axe-core on every page, the initial-JS budget, and the overview's interactive time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, seriousViolations } from './browser.js';
import { seedPractice, startStack, type Stack } from './stack.js';
import { waitFor } from '../../../test/support/wait.js';
import { startHttpReceiver, type HttpReceiver } from '../../../test/support/http-receiver.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ENGAGEMENTS = 200;

let stack: Stack;
let browser: Browser;
let receiver: HttpReceiver;
const pages: Page[] = [];

beforeAll(async () => {
  stack = await startStack();
  await seedPractice(stack, ENGAGEMENTS);
  browser = await launchChromium();
  receiver = await startHttpReceiver({ status: 200, body: '{"ok":true,"from":"the practice CRM"}' });
}, 600_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await receiver?.close();
  await stack?.stop();
});

/** A fresh browser context (its own memory, like another person's browser) on the console's sign-in page. */
async function openConsole(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  pages.push(page);
  await page.goto(`${stack.apiUrl}/console/`);
  await page.getByRole('heading', { name: 'Sign in to the coaching console' }).waitFor();
  return page;
}

async function signInAs(page: Page, button: RegExp): Promise<void> {
  await page.getByRole('button', { name: button }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Presses Tab until the focused element's text matches (at most 40 times). */
async function tabTo(page: Page, text: RegExp): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    // past the last control, Tab leaves the page and the body is "focused": its text has every label in it
    const focused = await page.evaluate(() => {
      const at = document.activeElement;
      return at && at !== document.body ? (at.textContent?.trim() ?? '') : '';
    });
    if (text.test(focused)) return;
  }
  throw new Error(`no focusable element matching ${text} within 40 Tab presses`);
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  const violations = await seriousViolations(page);
  expect({ page: name, violations }).toEqual({ page: name, violations: [] });
}

it('keeps the initial JavaScript within 250 KB gzipped (the build manifest)', () => {
  const dist = `${ROOT}dist/console`;
  const manifest = JSON.parse(readFileSync(`${dist}/.vite/manifest.json`, 'utf8')) as Record<string, { file: string; isEntry?: boolean; imports?: string[] }>;
  const initial = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key]!;
    if (initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const dep of chunk.imports ?? []) visit(dep);
  };
  Object.entries(manifest).filter(([, c]) => c.isEntry).forEach(([key]) => visit(key));
  expect(initial.size).toBeGreaterThan(0);
  const gzipped = [...initial].filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gzipSync(readFileSync(`${dist}/${f}`)).length, 0);
  figures.initialJsGzipBytes = gzipped;
  expect(gzipped).toBeLessThanOrEqual(250 * 1024);
});

const figures: Record<string, number | string> = {};

// each journey is dozens of browser steps and an axe run per page: a ceiling of its own (not a timing)
const JOURNEY_CEILING_MS = 300_000;

it('ADMIN: overview of the 200-engagement practice, engagements with search and paging, settings, access audit', async () => {
  const page = await openConsole();
  await expectAccessible(page, 'sign-in');

  // interactive: from the click on "sign in" to the overview's figures and every chart drawn
  await page.evaluate(() => ((window as any).__start = performance.now()));
  await page.getByRole('button', { name: /Practice admin/ }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=overview-figures]') && document.querySelectorAll('figure.chart canvas').length >= 3);
  const interactiveMs = await page.evaluate(
    () => new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - (window as any).__start)))),
  );
  figures.overviewInteractiveMs = Math.round(interactiveMs);

  const figure = (label: string) => page.locator('.figure', { has: page.getByText(label, { exact: true }) }).locator('dd');
  expect(await figure('Active engagements').textContent()).toBe(String(ENGAGEMENTS));
  expect(Number(await figure('Drafts awaiting feedback').textContent())).toBeGreaterThan(0);
  expect(await figure('Feedback turnaround p50').textContent()).toMatch(/h$/);
  await expect(page.getByRole('heading', { name: 'Coach load' }).isVisible()).resolves.toBe(true);
  await expect(page.getByRole('heading', { name: /Reminder outcomes per day/ }).isVisible()).resolves.toBe(true);
  // the demo client's 500 job-board applications for 8 interviews are in the intake baseline
  expect(Number(await page.locator('table', { hasText: 'Applications at intake' }).locator('tr', { hasText: 'Job board' }).locator('td').first().textContent())).toBeGreaterThanOrEqual(500);
  await expectAccessible(page, 'overview');

  await page.getByRole('link', { name: 'Engagements' }).click();
  await page.getByText(`${ENGAGEMENTS} engagements · page 1`).waitFor();
  expect(await page.locator('[data-testid=engagements-table] tbody tr').count()).toBe(20);
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText(`${ENGAGEMENTS} engagements · page 2`).waitFor();
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.getByText(`${ENGAGEMENTS} engagements · page 1`).waitFor();
  await page.getByLabel('Search by client, coach or title').fill('Daniel Price');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('1 engagement · page 1').waitFor();
  await expectAccessible(page, 'engagements');
  await page.getByRole('link', { name: 'Senior IT job search: from job boards to networking' }).click();
  await page.getByRole('heading', { name: 'Intake' }).waitFor();

  await page.getByRole('link', { name: 'Settings' }).click();
  const window = page.getByLabel('Coach feedback window (hours)');
  await waitFor('the settings to load', async () => (await window.inputValue()) === '48');
  await window.fill('72');
  await page.getByLabel('Webhook URL').fill(`${receiver.url}/coaching`);
  await page.getByLabel(/Signing secret/).fill('the-practice-webhook-secret');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  const stored = await stack.gql(`{ practiceSettings { feedbackWindowMinutes webhookUrl webhookSecretSet } }`, {}, await stack.token({ sub: 'admin-demo', role: 'ADMIN' }));
  expect(stored.practiceSettings).toEqual({ feedbackWindowMinutes: 72 * 60, webhookUrl: `${receiver.url}/coaching`, webhookSecretSet: true });
  await page.getByRole('button', { name: 'Send a test delivery' }).click();
  const delivery = page.getByTestId('test-delivery');
  await delivery.getByText('Delivered').waitFor();
  expect(await delivery.textContent()).toContain('{"ok":true,"from":"the practice CRM"}');
  expect(receiver.requests.filter((r) => r.url === '/coaching' && JSON.parse(r.body).type === 'test')).toHaveLength(1);
  await expectAccessible(page, 'settings');

  // the admin's read of Daniel's engagement (neither its coach nor its client) is in the audit
  await page.getByRole('link', { name: 'Access audit' }).click();
  await page.locator('[data-testid=audit] tbody tr', { hasText: 'admin-demo' }).first().waitFor();
  expect(await page.locator('[data-testid=audit]').textContent()).toContain('Query.engagement');
  await expectAccessible(page, 'audit');
}, JOURNEY_CEILING_MS);

it('COACH and CLIENT: feedback and drafts go back and forth, each tab updated live by the other', async () => {
  const coach = await openConsole();
  await signInAs(coach, /Mark/);
  const queued = coach.locator('[data-testid=queue] tbody tr', { hasText: 'Ask for help so people say yes' });
  await queued.waitFor();
  await expectAccessible(coach, 'queue');

  const client = await openConsole();
  await signInAs(client, /Daniel Price/);
  const homework = client.locator('article', { has: client.getByRole('heading', { name: /Ask for help so people say yes/ }) });
  await homework.getByText("Waiting for your coach's feedback.").waitFor();
  await expectAccessible(client, 'homework');

  await queued.getByRole('link').click();
  const coachHomework = coach.locator('article', { has: coach.getByRole('heading', { name: /Ask for help so people say yes/ }) });
  await coachHomework.getByLabel('Your feedback').fill('Name the person and the one favour you ask of them.');
  await coachHomework.getByText('Ask for another draft').click();
  await coachHomework.getByRole('button', { name: 'Send feedback' }).click();

  // the client's tab shows it without a reload (engagementEvents over the websocket)
  await homework.getByText('Name the person and the one favour you ask of them.').waitFor();
  await client.getByText(/Updated live: FeedbackGiven/).waitFor();
  await homework.getByLabel('Your draft').fill('Could you introduce me to the head of platform engineering at your company?');
  await homework.getByRole('button', { name: 'Submit draft' }).click();

  await coachHomework.getByText('Draft 2').waitFor();
  await coach.getByText(/Updated live: DraftSubmitted by client client-it/).waitFor();
  await coachHomework.getByRole('button', { name: 'Send feedback' }).waitFor();
  await expectAccessible(coach, 'engagement');

  // the time slider: the engagement as it stood just before the coach's feedback (by keyboard)
  const engagementId = new URL(coach.url()).pathname.split('/').pop()!;
  const coachToken = await stack.token({ sub: 'coach-mark', role: 'COACH' });
  const { engagement } = await stack.gql(
    `query ($id: ID!) { engagement(id: $id) { version changes(fromVersion: 0) { version path after } } }`,
    { id: engagementId },
    coachToken,
  );
  const feedbackVersion = Math.max(
    ...(engagement.changes as { version: number; path: string; after: unknown }[])
      .filter((c) => c.path.endsWith('.feedback') && JSON.stringify(c.after).includes('Name the person'))
      .map((c) => c.version),
  );
  const beforeFeedback = feedbackVersion - 1;
  const slider = coach.getByRole('slider', { name: 'Show the engagement as it stood after event' });
  await slider.focus();
  for (let v = engagement.version as number; v > beforeFeedback; v--) await coach.keyboard.press('ArrowLeft');
  const pastView = coach.getByTestId('as-of');
  await pastView.getByText(`— version ${beforeFeedback} of ${engagement.version}.`, { exact: false }).waitFor();
  expect(new URL(coach.url()).searchParams.get('asOfVersion')).toBe(String(beforeFeedback));
  // the heading follows the past view's render: wait for it rather than read it at once
  await coach.getByRole('heading', { level: 1, name: /as of \d/ }).waitFor();
  const pastHomework = pastView.locator('article', { has: coach.getByRole('heading', { name: /Ask for help so people say yes/ }) });
  await pastHomework.getByText('Draft 1').waitFor();
  expect(await pastHomework.textContent()).not.toContain('Name the person and the one favour you ask of them.');
  expect(await pastHomework.getByText('Draft 2').count()).toBe(0);
  // read-only: no feedback form in the past
  expect(await pastView.getByRole('button', { name: 'Send feedback' }).count()).toBe(0);
  // what changed since: the coach's feedback, then the client's second draft
  const changes = pastView.getByTestId('changes');
  await changes.getByText('“Name the person and the one favour you ask of them.”').waitFor();
  await changes.getByText('“Could you introduce me to the head of platform engineering at your company?”').waitFor();
  await expectAccessible(coach, 'engagement-as-of');

  await pastView.getByRole('button', { name: 'Back to live' }).click();
  await coachHomework.getByText('Draft 2').waitFor();
  expect(await coach.getByTestId('as-of').count()).toBe(0);
  expect(new URL(coach.url()).search).toBe('');

  await client.getByRole('link', { name: 'My job search' }).click();
  const total = client.getByTestId('job-search-total');
  const before = await total.textContent();
  await client.getByRole('combobox', { name: 'Channel' }).selectOption('NETWORKING');
  await client.getByRole('spinbutton', { name: 'Applications' }).fill('6');
  await client.getByRole('spinbutton', { name: 'Interviews' }).fill('3');
  await client.getByRole('button', { name: 'Log activity' }).click();
  await client.getByText('Logged.').waitFor();
  await waitFor('the funnel to count the new activity', async () => (await total.textContent()) !== before);
  const [apps, interviews] = (await total.textContent())!.match(/\d+/g)!.map(Number);
  const [appsBefore, interviewsBefore] = before!.match(/\d+/g)!.map(Number);
  expect([apps! - appsBefore!, interviews! - interviewsBefore!]).toEqual([6, 3]);
  await expectAccessible(client, 'job-search');
}, JOURNEY_CEILING_MS);

it('shows a refused command in words: a draft for a closed engagement', async () => {
  const clientId = 'client-1';
  const token = await stack.token({ sub: clientId, role: 'CLIENT' });
  const page = await openConsole();
  await page.getByLabel('Bearer token').fill(`Bearer ${token}`);
  await page.getByRole('button', { name: 'Sign in with this token' }).click();
  const form = page.getByRole('form', { name: /Submit a draft of/ });
  await form.waitFor();
  const { engagements } = await stack.gql(`{ engagements(first: 1) { edges { node { id } } } }`, {}, token);
  await stack.gql(
    `mutation ($input: CloseEngagementInput!) { closeEngagement(input: $input) { id } }`,
    { input: { engagementId: engagements.edges[0].node.id, outcome: 'CLIENT_WITHDREW' } },
    await stack.token({ sub: 'admin-demo', role: 'ADMIN' }),
  );
  await form.getByLabel('Your draft').fill('My list');
  await form.getByRole('button', { name: 'Submit draft' }).click();
  await page.getByRole('alert').getByText('This engagement is closed: it can be read but not changed.').waitFor();
});

it('signs in with OpenID Connect (authorization code + PKCE), the API accepts the access token, and signs out at the provider too', async () => {
  const page = await openConsole();
  await page.getByRole('button', { name: 'Sign in with your practice account' }).click();
  await page.waitForURL((url) => url.href.startsWith(stack.issuer));
  await page.locator('input[name=login]').fill('coach-mark');
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  // the provider's consent screen (first sign-in of this account for the console)
  await page.waitForURL((url) => url.href.startsWith(`${stack.apiUrl}/console/`) || /interaction/.test(url.pathname));
  if (!page.url().startsWith(stack.apiUrl)) await page.locator('button[type=submit]').click();
  await page.getByText('coach-mark · coach · demo-practice').waitFor();
  await page.locator('[data-testid=queue]').waitFor();
  // the token lives in memory only
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toMatch(/eyJ/);

  // sign-out ends the session at the provider too (RP-initiated logout), then comes back here
  const endSession: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === stack.issuer && url.searchParams.has('post_logout_redirect_uri')) endSession.push(url);
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.href.startsWith(stack.issuer));
  await page.getByRole('button', { name: /Yes, sign me out/ }).click();
  await page.waitForURL(`${stack.apiUrl}/console/`);
  await page.getByRole('heading', { name: 'Sign in to the coaching console' }).waitFor();
  expect(endSession).toHaveLength(1);
  expect(endSession[0]!.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.apiUrl}/console/`);
  expect(endSession[0]!.searchParams.get('client_id')).toBe('coaching-console');
  expect(endSession[0]!.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
  // the provider forgot the session: signing in again asks for the login
  await page.getByRole('button', { name: 'Sign in with your practice account' }).click();
  await page.locator('input[name=login]').waitFor();
});

it('asks to sign in again when the token expires, and signs out', async () => {
  const response = await fetch(`${stack.apiUrl}/console/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ person: 'client', ttlSeconds: 2 }),
  });
  const { token } = (await response.json()) as { token: string };
  const page = await openConsole();
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign in with this token' }).click();
  // the API still takes it (30 s of clock tolerance); the console asks at its `exp`, whenever that falls
  await page.getByText('Your session has expired.', { exact: false }).waitFor({ timeout: 30_000 });

  // by keyboard alone: Tab to the demo client's button, Enter; then Tab to "Sign out", Enter
  await tabTo(page, /Daniel Price/);
  await page.keyboard.press('Enter');
  await page
    .getByRole('heading', { name: 'My homework' })
    .waitFor()
    .catch(async (err: Error) => {
      // what the page showed instead (CI saw this wait time out twice; it never did here), and where the focus was
      const focus = await page.evaluate(() => `${document.activeElement?.tagName ?? 'none'} "${document.activeElement?.textContent?.trim().slice(0, 60) ?? ''}"`);
      throw new Error(`${err.message}\nfocus on ${focus}\nthe page said: ${((await page.locator('body').textContent()) ?? '').replace(/\s+/g, ' ').slice(0, 2000)}`);
    });
  await tabTo(page, /^Sign out$/);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Sign in to the coaching console' }).waitFor();
});

afterAll(() => {
  // for the bench report: `npm run bench` reads it when present
  mkdirSync(`${ROOT}bench/out`, { recursive: true });
  writeFileSync(
    `${ROOT}bench/out/console-e2e.json`,
    JSON.stringify({ measuredAt: new Date().toISOString(), engagements: ENGAGEMENTS, ...figures }, null, 2) + '\n',
  );
});
