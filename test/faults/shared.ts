import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '#event-store';
import { TokenService, configFrom, parseConfig } from '#platform';
import { TEST_JWT_SECRET } from '../support/env.js';

/** Tokens for child-process apps (same secret as theirs). */
export const tokens = new TokenService(configFrom(parseConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x@y/z', JWT_SECRET: TEST_JWT_SECRET })));

/** a port nobody listens on (the apps under test are told theirs) */
export { freePort } from '../ops/support.js';

export interface GqlResult {
  status: number | null;
  body: any;
  error: string | null;
}

/** One GraphQL POST; a refused or broken connection is a result too (status null), never a throw. */
export async function post(port: number, token: string, query: string, variables: unknown = {}, timeoutMs = 15_000): Promise<GqlResult> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = { raw: text };
    }
    return { status: r.status, body, error: null };
  } catch (err) {
    return { status: null, body: null, error: (err as Error).message };
  }
}

export async function openActiveEngagement(port: number, practiceId: string): Promise<{ id: string; coach: string }> {
  const coach = await tokens.issue({ practiceId, role: 'COACH', sub: 'coach-1' });
  const opened = await post(port, coach, 'mutation ($i: OpenEngagementInput!) { openEngagement(input: $i) { id } }', {
    i: { coach: { id: 'coach-1', name: 'Coach' }, client: { id: 'client-1', name: 'Client' }, title: 'Faults' },
  });
  const id = opened.body?.data?.openEngagement?.id as string;
  if (!id) throw new Error(`open failed: ${JSON.stringify(opened)}`);
  const intake = await post(port, coach, 'mutation ($i: RecordIntakeInput!) { recordIntake(input: $i) { id } }', {
    i: { engagementId: id, presentingQuestion: 'Q', background: '', goals: [], currentStrategy: '', baseline: [] },
  });
  if (intake.body?.errors) throw new Error(`intake failed: ${JSON.stringify(intake.body.errors)}`);
  return { id, coach };
}

export const ASSIGN = 'mutation ($i: AssignHomeworkInput!) { assignHomework(input: $i) { id } }';

/** Metadata of an event appended straight to the store by a test's load (no command behind it). */
export function loadMetadata(practiceId: string): EventMetadata {
  return { actorId: 'load', actorRole: 'SYSTEM', practiceId, correlationId: randomUUID(), causationId: randomUUID(), occurredAt: new Date().toISOString() };
}
