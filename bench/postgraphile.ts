import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, serviceOf, untilReady, type Service } from './processes.js';

/**
 * PostGraphile 4 as the list's second same-run reference (issue 15: "faster than PostGraphile on the same
 * rows"). It compiles a whole query into one SQL statement, so it is the bar for a GraphQL server over
 * these tables. It lives in its own package (bench/references/postgraphile, with its lockfile): its
 * graphql 15 and its 124 packages stay out of the service's tree, and the bench installs it on first use.
 */
const DIR = fileURLToPath(new URL('../../bench/references/postgraphile/', import.meta.url)); // dist/bench/ -> repo

/**
 * LIST_QUERY's rows in PostGraphile's schema, in its order: the coach's 50 engagements opened last, each with its
 * homework (as assigned), their drafts (by revision) and each draft's feedback.
 */
export const postgraphileListQuery = (coachId: string) => `{ allEngagements(first: 50, orderBy: [OPENED_AT_DESC, ID_DESC], condition: { coachId: ${JSON.stringify(coachId)} }) {
  edges { node { id homework: homeworkByPracticeIdAndEngagementId(orderBy: [ASSIGNED_AT_ASC, ID_ASC]) {
    nodes { id drafts: draftsByPracticeIdAndHomeworkId(orderBy: REVISION_ASC) { nodes { id feedback: feedbackByPracticeIdAndDraftId { id } } } } } } } } }`;

function install(): void {
  if (existsSync(`${DIR}node_modules/postgraphile/package.json`)) return;
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  if (npm.status !== 0) throw new Error(`npm ci in bench/references/postgraphile failed (${npm.error?.message ?? `exit ${npm.status}`})`);
}

/** Installs (once) and starts PostGraphile on a free port; resolves when it answers a query. */
export async function startPostGraphile(databaseUrl: string, practiceId: string, nodeArgs: string[] = []): Promise<Service> {
  install();
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, 'serve.mjs'], {
    cwd: DIR,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, PRACTICE_ID: practiceId, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await untilReady(child, 'PostGraphile', () =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }),
  );
  return serviceOf(child, url);
}

