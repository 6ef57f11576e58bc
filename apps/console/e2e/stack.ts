import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { AppProcess } from '../../../test/support/processes.js';
import { TEST_APP_DATABASE_URL, TEST_DATABASE_URL } from '../../../test/support/db.js';
import { TEST_JWT_SECRET } from '../../../test/support/env.js';
import { freePort } from '../../../test/ops/support.js';

// The whole product for the browser: the compiled API (serving the console's build) and a worker
// as child processes on the run's own database and Redis prefixes, and a real OpenID Connect
// provider (oidc-provider) on 127.0.0.1 that issues JWT access tokens the API accepts.

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const PRACTICE = 'demo-practice';
export const AUDIENCE = 'urn:coaching:api';

/** Who signs in at the identity provider, and the claims its access tokens carry for them. */
const OIDC_ACCOUNTS: Record<string, { role: 'ADMIN' | 'COACH' | 'CLIENT'; name: string }> = {
  'coach-mark': { role: 'COACH', name: 'Mark' },
  'admin-demo': { role: 'ADMIN', name: 'Practice admin' },
  'client-it': { role: 'CLIENT', name: 'Daniel Price' },
};

export interface Stack {
  apiUrl: string;
  issuer: string;
  api: AppProcess;
  worker: AppProcess;
  token(claims: { sub: string; role: 'ADMIN' | 'COACH' | 'CLIENT'; name?: string }): Promise<string>;
  gql<T = any>(query: string, variables: Record<string, unknown>, token: string): Promise<T>;
  stop(): Promise<void>;
}

async function startOidcProvider(port: number, apiUrl: string): Promise<{ issuer: string; server: Server }> {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'coaching-console',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${apiUrl}/console/callback`],
        // RP-initiated logout comes back to the console's sign-in page
        post_logout_redirect_uris: [`${apiUrl}/console/`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk as any] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    scopes: ['openid', 'profile', 'console'],
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'console', audience: AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, name: OIDC_ACCOUNTS[id]?.name }) }),
    // the claims the API reads from every token (PRODUCT.md "Authentication and roles")
    extraTokenClaims: (_ctx: unknown, token: { accountId?: string }) => {
      const account = token.accountId ? OIDC_ACCOUNTS[token.accountId] : undefined;
      return account ? { practice_id: PRACTICE, role: account.role, name: account.name } : {};
    },
    clientBasedCORS: () => true,
  } as any);
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { issuer, server };
}

function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/apps/cli/src/main.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (out += b));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`cli ${args[0]} exited ${code}: ${out}`))));
  });
}

export async function startStack(): Promise<Stack> {
  const run = randomBytes(4).toString('hex');
  const queuePrefix = `console-e2e-${run}`;
  const ratePrefix = `console-e2e-rl-${run}`;
  const [apiPort, oidcPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const { issuer, server: oidcServer } = await startOidcProvider(oidcPort, apiUrl);
  const common = {
    DATABASE_URL: TEST_APP_DATABASE_URL,
    DATABASE_OWNER_URL: TEST_DATABASE_URL,
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_ISSUER: issuer,
    JWT_AUDIENCE: AUDIENCE,
    JWT_JWKS_URL: `${issuer}/jwks`,
    QUEUE_PREFIX: queuePrefix,
    RATE_LIMIT_PREFIX: ratePrefix,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  const stopAll: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stopAll.reverse()) await fn().catch(() => undefined);
  };
  stopAll.push(() => new Promise<void>((resolve) => oidcServer.close(() => resolve())));
  stopAll.push(async () => {
    const redis = new Redis(common.REDIS_URL);
    try {
      for (const prefix of [queuePrefix, ratePrefix]) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
      }
    } finally {
      redis.disconnect();
    }
  });
  try {
    // migrations and the demo story, as `npm run seed-demo` writes them
    await runCli(['seed-demo'], { ...common, NODE_ENV: 'test' });
    const worker = await new AppProcess('worker', { ...common }).start();
    stopAll.push(() => worker.stop());
    const api = await new AppProcess('api', {
      ...common,
      // development: the console offers the demo people and the token endpoint answers
      NODE_ENV: 'development',
      PORT: String(apiPort),
      CONSOLE_OIDC_ISSUER: issuer,
      CONSOLE_OIDC_CLIENT_ID: 'coaching-console',
      CONSOLE_OIDC_SCOPE: 'openid profile console',
      // the seeding below sends ~1,000 mutations as a handful of people
      RATE_LIMIT_PER_WINDOW: '100000',
    }).start();
    stopAll.push(() => api.stop());
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);
    const token: Stack['token'] = (claims) =>
      new SignJWT({ practice_id: PRACTICE, role: claims.role, ...(claims.name ? { name: claims.name } : {}) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.sub)
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setExpirationTime('2h')
        .sign(secret);
    const gql: Stack['gql'] = async (query, variables, bearer) => {
      const response = await fetch(`${apiUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
      if (body.errors?.length) throw new Error(`${body.errors[0]!.message} (${query.slice(0, 60)})`);
      return body.data;
    };
    return { apiUrl, issuer, api, worker, token, gql, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const COACHES = ['Amara Okafor', 'Ben Hollis', 'Chen Wei', 'Dana Ruiz'];
const CHANNELS = ['JOB_BOARD', 'NETWORKING', 'REFERRAL', 'RECRUITER'] as const;

/**
 * Grows the demo practice to `total` engagements through the API (so every read model and the
 * activity projection see them as they would in use): four more coaches, each client with an
 * intake, homework, and for some a draft and feedback.
 */
export async function seedPractice(stack: Stack, total: number): Promise<void> {
  const admin = await stack.token({ sub: 'admin-demo', role: 'ADMIN' });
  const existing = (await stack.gql(`{ engagements(first: 1) { totalCount } }`, {}, admin)).engagements.totalCount as number;
  const indices = Array.from({ length: Math.max(0, total - existing) }, (_, i) => i);
  const one = async (i: number) => {
    const coachName = COACHES[i % COACHES.length]!;
    const coach = { id: `coach-${i % COACHES.length}`, name: coachName };
    const client = { id: `client-${i}`, name: `Client ${String(i).padStart(3, '0')}` };
    const opened = await stack.gql(
      `mutation ($input: OpenEngagementInput!) { openEngagement(input: $input) { id } }`,
      { input: { coach, client, title: `Career move ${i}`, idempotencyKey: `e2e-open-${i}` } },
      admin,
    );
    const engagementId = opened.openEngagement.id as string;
    const channel = CHANNELS[i % CHANNELS.length]!;
    await stack.gql(
      `mutation ($input: RecordIntakeInput!) { recordIntake(input: $input) { id } }`,
      {
        input: {
          engagementId,
          presentingQuestion: 'Where should my search go next?',
          background: 'Ten years in operations',
          currentStrategy: 'Applying online',
          goals: ['A new role within six months'],
          baseline: [{ channel, applications: 20 + (i % 30), interviews: i % 4 }],
          idempotencyKey: `e2e-intake-${i}`,
        },
      },
      admin,
    );
    const assigned = await stack.gql(
      `mutation ($input: AssignHomeworkInput!) { assignHomework(input: $input) { id } }`,
      {
        input: {
          engagementId,
          title: 'List twenty people to talk to',
          instructions: 'Former colleagues first.',
          dueAt: new Date(Date.now() + (1 + (i % 10)) * 86_400_000).toISOString(),
          idempotencyKey: `e2e-hw-${i}`,
        },
      },
      admin,
    );
    if (i % 3 !== 0) return;
    const clientToken = await stack.token({ sub: client.id, role: 'CLIENT' });
    const draft = await stack.gql(
      `mutation ($input: SubmitDraftInput!) { submitDraft(input: $input) { id } }`,
      { input: { homeworkId: assigned.assignHomework.id, content: 'Twenty names, grouped by how well I know them.', idempotencyKey: `e2e-draft-${i}` } },
      clientToken,
    );
    if (i % 2 !== 0) return;
    const coachToken = await stack.token({ sub: coach.id, role: 'COACH' });
    await stack.gql(
      `mutation ($input: GiveFeedbackInput!) { giveFeedback(input: $input) { id } }`,
      { input: { draftId: draft.submitDraft.id, verdict: 'ACCEPTED', comments: 'Good list.', idempotencyKey: `e2e-feedback-${i}` } },
      coachToken,
    );
  };
  // a few at a time: the API's pool is small
  for (let start = 0; start < indices.length; start += 4) {
    await Promise.all(indices.slice(start, start + 4).map(one));
  }
}
