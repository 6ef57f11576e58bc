import type pg from 'pg';
import { HISTORY_SNAPSHOT_EVERY } from '#engagement';
import { configFrom, parseConfig, TokenService } from '#platform';
import { freePort, startApp, type Service } from './processes.js';
import { percentile, record } from './support.js';

// Time travel (issue 12): an asOf read of an engagement with 1,000 events
// against the live read of the same engagement, same query, same run.

/** A GraphQL call as the engagement's coach or client; throws on errors. */
export type Gql = (query: string, variables: Record<string, unknown>, as: 'coach' | 'client') => Promise<any>;

const VIEW = `id version status openHomeworkCount
  homework { id status dueAt drafts { id revision content feedback { verdict comments } } }
  sessions { id heldAt summary }
  jobSearch { applications interviews offers channels { channel applications } }
  timeline(first: 50) { edges { node { version type } } }`;
export const LIVE_QUERY = `query ($id: ID!) { engagement(id: $id) { ${VIEW} } }`;
export const PAST_QUERY = `query ($id: ID!, $v: Int) { engagement(id: $id, asOfVersion: $v) { ${VIEW} } }`;

/**
 * One engagement with `events` events, as a year of coaching writes them:
 * open, intake, 100 homework each with a draft, feedback asking for changes,
 * a second draft and acceptance, then sessions and job-search activity.
 */
export async function longEngagement(gql: Gql, events: number, coach: { id: string; name: string }, client: { id: string; name: string }): Promise<string> {
  const open = await gql('mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }', { i: { coach, client, title: 'A year of coaching' } }, 'coach');
  const id = open.openEngagement.id as string;
  await gql(
    'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }',
    { i: { engagementId: id, presentingQuestion: 'What am I doing wrong?', background: 'IT', goals: ['Interviews'], currentStrategy: 'Job boards', baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8 }] } },
    'coach',
  );
  let written = 2;
  const dueAt = new Date(Date.now() + 365 * 24 * 3600_000).toISOString();
  for (let h = 0; h < 100 && written + 5 <= events; h++, written += 5) {
    const hw = await gql('mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }', { i: { engagementId: id, title: `Homework ${h}`, instructions: 'Script your pitch', dueAt } }, 'coach');
    const homeworkId = hw.assignHomework.id as string;
    for (const verdict of ['CHANGES_REQUESTED', 'ACCEPTED']) {
      const d = await gql('mutation ($i: SubmitDraftInput!) { submitDraft(input: $i) { id } }', { i: { homeworkId, content: `Draft of homework ${h}: my hook is turning IT programmes around.` } }, 'client');
      await gql('mutation ($i: GiveFeedbackInput!) { giveFeedback(input: $i) { id } }', { i: { draftId: d.submitDraft.id, verdict, comments: 'Shorter, please.' } }, 'coach');
    }
  }
  for (let i = 0; written < events; i++, written++) {
    if (i % 2 === 0 && i < 1800) {
      await gql('mutation ($i: LogCoachingSessionInput!) { logCoachingSession(input: $i) { id } }', { i: { engagementId: id, heldAt: new Date().toISOString(), durationMinutes: 45, summary: `Session ${i}` } }, 'coach');
    } else {
      await gql('mutation ($i: LogJobSearchActivityInput!) { logJobSearchActivity(input: $i) { id } }', { i: { engagementId: id, channel: 'NETWORKING', applications: 1, interviews: i % 5 === 0 ? 1 : 0 } }, 'client');
    }
  }
  return id;
}

/** Latencies (ms) of the live read and of the asOfVersion read at `version`, alternated. */
export async function measureTimeTravel(gql: Gql, id: string, version: number, rounds: number): Promise<{ live: number[]; past: number[] }> {
  const live: number[] = [];
  const past: number[] = [];
  // warm both paths up
  await gql(LIVE_QUERY, { id }, 'coach');
  await gql(PAST_QUERY, { id, v: version }, 'coach');
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    await gql(LIVE_QUERY, { id }, 'coach');
    live.push(performance.now() - t);
    t = performance.now();
    await gql(PAST_QUERY, { id, v: version }, 'coach');
    past.push(performance.now() - t);
  }
  return { live: live.sort((a, b) => a - b), past: past.sort((a, b) => a - b) };
}

/**
 * The asOfVersion read of a `events`-event engagement against the live read,
 * same query, same run, three ways: at a version 99 events past the nearest
 * time-travel snapshot (the most a view folds on top of one), at a snapshot's
 * own version, and with the snapshots deleted (the whole stream folded).
 * The worker runs, as deployed: its subscriber writes the snapshots.
 */
export async function benchTimeTravel(pool: pg.Pool, env: Record<string, string>, opts: { events: number; rounds: number }): Promise<void> {
  const port = await freePort();
  const api = await startApp('api', env, port);
  let worker: Service | null = null;
  try {
    const practiceId = 'bench-time-travel';
    const tokens = new TokenService(configFrom(parseConfig({ ...process.env, ...env })));
    const token = { coach: await tokens.issue({ practiceId, role: 'COACH', sub: 'coach-tt', expiresIn: 3600 }), client: await tokens.issue({ practiceId, role: 'CLIENT', sub: 'client-tt', expiresIn: 3600 }) };
    const gql: Gql = async (query, variables, as) => {
      const r = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token[as]}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await r.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const id = await longEngagement(gql, opts.events, { id: 'coach-tt', name: 'Coach' }, { id: 'client-tt', name: 'Client' });
    worker = await startApp('worker', env);
    const every = HISTORY_SNAPSHOT_EVERY;
    const lastSnapshot = Math.floor(opts.events / every) * every;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { rows } = await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM engagement_history_snapshots WHERE stream_id = $1', [id]);
      if (rows[0]!.v === lastSnapshot) break;
      if (Date.now() > deadline) throw new Error(`no time-travel snapshot at version ${lastSnapshot} after 300 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const cases: { name: string; version: number; before?: () => Promise<unknown> }[] = [
      { name: `${every - 1} events past a snapshot (version ${lastSnapshot - 1})`, version: lastSnapshot - 1 },
      { name: `at a snapshot (version ${lastSnapshot})`, version: lastSnapshot },
      {
        name: `no snapshots: the whole stream folded (version ${lastSnapshot - 1})`,
        version: lastSnapshot - 1,
        before: () => pool.query('DELETE FROM engagement_history_snapshots WHERE stream_id = $1', [id]),
      },
    ];
    for (const c of cases) {
      await c.before?.();
      const { live, past } = await measureTimeTravel(gql, id, c.version, opts.rounds);
      const p50 = percentile(past, 50);
      const ref = percentile(live, 50);
      record({
        section: 'time-travel',
        name: `engagement(asOfVersion) of a ${opts.events}-event engagement, ${c.name}, p50`,
        value: p50,
        unit: 'ms',
        reference: { name: 'the live read, same query', value: ref, unit: 'ms' },
        target: '≤ 3× the live read',
        met: p50 <= 3 * ref,
        extra: `p99 ${percentile(past, 99).toFixed(1)} ms vs live ${percentile(live, 99).toFixed(1)} ms; ${opts.rounds} alternating rounds, homework → drafts → feedback, sessions, funnel, 50 timeline events`,
      });
    }
  } finally {
    await worker?.stop();
    await api.stop();
  }
}
