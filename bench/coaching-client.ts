import type pg from 'pg';

/** One GraphQL request; its data, or an error carrying the answer's errors. */
export async function postGraphql(apiUrl: string, token: string, query: string, variables: unknown = {}): Promise<any> {
  const r = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await r.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** What every assignHomework of the bench assigns. */
const HOMEWORK = { title: 'Articulate your hook', instructions: 'Script your pitch.' };

/** assignHomework as the load sections send it, with the fields a client reads back. */
export const ASSIGN_HOMEWORK = 'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id status } }';

/** The variables of a load's i-th assignHomework, round-robin over `engagements`. */
export function assignVariables(engagements: readonly string[], i: number, dueAt: string) {
  return { i: { engagementId: engagements[i % engagements.length], ...HOMEWORK, dueAt } };
}

/** The bench's GraphQL client: a coach and a client of one practice opening, assigning, submitting and reviewing. */
export type CoachingClient = ReturnType<typeof coachingClient>;

export function coachingClient(apiUrl: string, coach: string, client: string) {
  // one retry on a shared, overloaded machine: a kept-alive socket the server closed as it was reused, or an
  // internal error (a Redis command timing out); the figures count their own requests, not these
  const gql = async (token: string, query: string, variables: unknown = {}): Promise<any> => {
    try {
      return await gqlOnce(token, query, variables);
    } catch (err) {
      if (!/fetch failed|INTERNAL_SERVER_ERROR/.test(String((err as Error).message))) throw err;
      console.warn(`[bench] retried once: ${String((err as Error).message).slice(0, 120)}`);
      return gqlOnce(token, query, variables);
    }
  };
  const gqlOnce = (token: string, query: string, variables: unknown = {}) => postGraphql(apiUrl, token, query, variables);
  const open = async (title: string) => {
    const id = (await gql(coach, 'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }', {
      i: { coach: { id: 'coach-bench', name: 'Coach' }, client: { id: 'client-bench', name: 'Client' }, title },
    })).openEngagement.id as string;
    await gql(coach, 'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }', {
      i: { engagementId: id, presentingQuestion: 'What am I doing wrong?', background: '', goals: [], currentStrategy: '', baseline: [] },
    });
    return id;
  };
  /** `n` engagements opened at once, titled `label 0` … */
  const openMany = (n: number, label: string) => Promise.all(Array.from({ length: n }, (_, i) => open(`${label} ${i}`)));
  const dueAt = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
  const assign = async (engagementId: string) =>
    (await gql(coach, 'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }', {
      i: { engagementId, ...HOMEWORK, dueAt },
    })).assignHomework.id as string;
  const submit = async (homeworkId: string) =>
    (await gql(client, 'mutation ($i: SubmitDraftInput!) { submitDraft(input: $i) { id } }', { i: { homeworkId, content: 'My hook: I turn failing IT programmes around in 90 days.' } })).submitDraft.id as string;
  const feedback = (draftId: string, verdict: string) =>
    gql(coach, 'mutation ($i: GiveFeedbackInput!) { giveFeedback(input: $i) { id } }', { i: { draftId, verdict, comments: 'Sharper, please.' } });
  return { gql, open, openMany, assign, submit, feedback, dueAt, coach, client };
}

/** The list's data: 50 engagements × 4 homework × 2 drafts, each with feedback (1,050 objects in the list's answer). */
export async function seedList(c: CoachingClient): Promise<string[]> {
  const { open, assign, submit, feedback } = c;
  return Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const id = await open(`Listed ${i}`);
      for (let h = 0; h < 4; h++) {
        const hw = await assign(id);
        await feedback(await submit(hw), 'CHANGES_REQUESTED');
        await feedback(await submit(hw), 'ACCEPTED');
      }
      return id;
    }),
  );
}

/** The list the benches load: the page of 50 with homework → drafts → feedback (what seedList writes). */
export const LIST_QUERY = '{ engagements(first: 50) { edges { node { id homework { id drafts { id feedback { id } } } } } } }';

/** The objects in an answer to LIST_QUERY: engagements, homework, drafts and their feedback. */
export function listObjects(data: any): number {
  return data.engagements.edges.reduce((n: number, e: any) => n + 1 + e.node.homework.reduce((m: number, h: any) => m + 1 + h.drafts.length * 2, 0), 0);
}

/**
 * Every `id` in an answer, depth first in the answer's order: the rows a list answered, whatever its shape
 * (LIST_QUERY's lists, PostGraphile's connections, the json_agg statement's objects), so two can be compared.
 */
export function idsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(idsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => (key === 'id' && typeof v === 'string' ? [v] : idsIn(v)));
}

/** How many homework the engagements hold: after a load, fewer than its commands means some were refused. */
export async function homeworkOf(pool: pg.Pool, engagements: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM homework WHERE engagement_id = ANY($1::uuid[])', [engagements]);
  return Number(rows[0]!.n);
}
