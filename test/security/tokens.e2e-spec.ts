// Token hygiene: a maximum lifetime and a small clock skew; practices' own identity providers
// each bound to their practice (JWT_ISSUERS), beside the single-provider JWT_JWKS_URL of today.
// Keys are made with jose; one practice's JWKS is served by a real HTTP server in this test.
// (Its own file: the API's configuration is read once per test file.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { configFromEnv, TokenService } from '#platform';
import { TestApi } from '../support/api.js';
import { TEST_JWT_SECRET } from '../support/env.js';

const MAX = 6 * 3600; // JWT_MAX_LIFETIME_SECONDS of this file
const SKEW = 30; // JWT_CLOCK_SKEW_SECONDS
const ISSUER_A = 'https://idp.practice-a.example';
const ISSUER_B = 'https://login.practice-b.example/';
const PLATFORM_IDP = 'https://sso.platform.example';

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;
let keysA: Keys;
let keysB: Keys;
let keysPlatform: Keys;
let jwksServer: Server;
let jwksUrl: string;
let api: TestApi;
const served: string[] = [];

beforeAll(async () => {
  [keysA, keysB, keysPlatform] = await Promise.all([0, 1, 2].map(() => generateKeyPair('RS256', { extractable: true })));
  const jwks = async (keys: Keys, kid: string) => JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const bodies: Record<string, string> = { '/a/jwks.json': await jwks(keysA, 'a-1'), '/platform/jwks.json': await jwks(keysPlatform, 'p-1') };
  jwksServer = createServer((req, res) => {
    served.push(req.url ?? '');
    const body = bodies[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{}');
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  api = await TestApi.start({
    JWT_MAX_LIFETIME_SECONDS: String(MAX),
    JWT_CLOCK_SKEW_SECONDS: String(SKEW),
    JWT_JWKS_URL: `${jwksUrl}/platform/jwks.json`,
    JWT_ISSUERS: JSON.stringify([
      { issuer: ISSUER_A, practiceId: 'practice-a', jwksUrl: `${jwksUrl}/a/jwks.json` },
      { issuer: ISSUER_B, practiceId: 'practice-b', publicKey: await exportSPKI(keysB.publicKey) },
    ]),
  });
});
afterAll(async () => {
  await api?.close();
  jwksServer.closeAllConnections();
  await new Promise((resolve) => jwksServer.close(resolve));
});

const now = () => Math.floor(Date.now() / 1000);

interface Draft {
  claims?: JWTPayload;
  iat?: number | null;
  exp?: number | null;
  nbf?: number;
}

async function sign(key: Keys['privateKey'] | Uint8Array, alg: 'RS256' | 'HS256', d: Draft, kid?: string): Promise<string> {
  const jwt = new SignJWT({ sub: 'someone', role: 'ADMIN', ...d.claims }).setProtectedHeader({ alg, ...(kid ? { kid } : {}) });
  const t = now();
  if (d.iat !== null) jwt.setIssuedAt(d.iat ?? t);
  if (d.exp !== null) jwt.setExpirationTime(d.exp ?? t + 600);
  if (d.nbf !== undefined) jwt.setNotBefore(d.nbf);
  return jwt.sign(key);
}
const hs = (d: Draft) => sign(new TextEncoder().encode(TEST_JWT_SECRET), 'HS256', { ...d, claims: { practice_id: 'practice-h', ...d.claims } });

/** What the API answers `{ viewer }` with this token: the viewer or the error code and message. */
async function viewer(token: string): Promise<{ id: string; practiceId: string } | { code: string; message: string }> {
  const res = await api.gql<{ viewer: { id: string; practiceId: string } }>('{ viewer { id practiceId } }', {}, { authorization: `Bearer ${token}` });
  if (res.data?.viewer) return res.data.viewer;
  return { code: res.errors![0]!.extensions.code, message: res.errors![0]!.message };
}
const refused = (message: RegExp) => ({ code: 'UNAUTHENTICATED', message: expect.stringMatching(message) });

describe('lifetime and clock skew', () => {
  it.each<[string, () => Draft, unknown]>([
    ['an ordinary hour', () => ({}), { id: 'someone', practiceId: 'practice-h' }],
    ['exactly the maximum', () => ({ exp: now() + MAX }), { id: 'someone', practiceId: 'practice-h' }],
    ['a hundred years', () => ({ exp: now() + 100 * 365 * 86_400 }), refused(/lifetime exceeds the maximum/)],
    ['one second past the maximum', () => ({ iat: now() - 10, exp: now() - 10 + MAX + 1 }), refused(/lifetime exceeds/)],
    ['past the maximum, issued long ago', () => ({ iat: now() - 3 * MAX, exp: now() + 60 }), refused(/lifetime exceeds/)],
    ['no iat, expiring within the maximum', () => ({ iat: null, exp: now() + MAX - 60 }), { id: 'someone', practiceId: 'practice-h' }],
    ['no iat, expiring past now + maximum', () => ({ iat: null, exp: now() + MAX + 120 }), refused(/lifetime exceeds/)],
    ['issued in the future beyond the skew', () => ({ iat: now() + SKEW + 60, exp: now() + 600 }), refused(/issued in the future/)],
    ['issued a few seconds ahead (within the skew)', () => ({ iat: now() + 5, exp: now() + 600 }), { id: 'someone', practiceId: 'practice-h' }],
    ['not valid before a minute from now', () => ({ nbf: now() + SKEW + 60 }), refused(/Invalid token/)],
    ['not valid before a few seconds from now (within the skew)', () => ({ nbf: now() + 5 }), { id: 'someone', practiceId: 'practice-h' }],
    ['expired beyond the skew', () => ({ iat: now() - 600, exp: now() - SKEW - 30 }), refused(/expired/)],
    ['expired a moment ago (within the skew)', () => ({ iat: now() - 600, exp: now() - 5 }), { id: 'someone', practiceId: 'practice-h' }],
    ['no exp', () => ({ exp: null }), refused(/Invalid token/)],
  ])('%s', async (_label, draft, expected) => {
    expect(await viewer(await hs(draft()))).toEqual(expected);
  });

  it('the service itself issues no token past the maximum (the CLI token command uses it)', async () => {
    const tokens = api.app.get(TokenService);
    await expect(tokens.issue({ sub: 'x', practiceId: 'p', role: 'ADMIN', expiresIn: MAX + 1 })).rejects.toThrow(/at most 21600 \(JWT_MAX_LIFETIME_SECONDS\)/);
    const token = await tokens.issue({ sub: 'x', practiceId: 'p', role: 'ADMIN', expiresIn: MAX });
    expect(await viewer(token)).toEqual({ id: 'x', practiceId: 'p' });
  });
});

describe("practices' own identity providers", () => {
  const a = (claims: JWTPayload, iss: string | null = ISSUER_A) =>
    sign(keysA.privateKey, 'RS256', { claims: { ...(iss === null ? {} : { iss }), ...claims } }, 'a-1');
  const b = (claims: JWTPayload, iss = ISSUER_B) => sign(keysB.privateKey, 'RS256', { claims: { iss, ...claims } });

  it("accepts a token of practice A's provider for practice A (key from its JWKS over HTTP), and B's (PEM key) for B", async () => {
    expect(await viewer(await a({ practice_id: 'practice-a' }))).toEqual({ id: 'someone', practiceId: 'practice-a' });
    expect(served).toContain('/a/jwks.json');
    expect(await viewer(await b({ practice_id: 'practice-b' }))).toEqual({ id: 'someone', practiceId: 'practice-b' });
  });

  it("a provider's token without practice_id is its own practice's", async () => {
    expect(await viewer(await a({}))).toEqual({ id: 'someone', practiceId: 'practice-a' });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ["A's token claiming practice B", () => a({ practice_id: 'practice-b' }), /issuer https:\/\/idp.practice-a.example speak for practice practice-a only/],
    ["B's token claiming practice A", () => b({ practice_id: 'practice-a' }), /speak for practice practice-b only/],
    ["A's key, B's issuer name", () => a({ practice_id: 'practice-b' }, ISSUER_B), /Invalid token/],
    ["A's key, no issuer (falls to the platform's provider, whose key it is not)", () => a({ practice_id: 'practice-b' }, null), /Invalid token/],
    ["A's key, an unknown issuer", () => a({ practice_id: 'practice-b' }, 'https://evil.example'), /Invalid token/],
    ["B's key, A's issuer name", () => b({ practice_id: 'practice-a' }, ISSUER_A), /Invalid token/],
  ])('refuses %s (UNAUTHENTICATED)', async (_label, token, message) => {
    expect(await viewer(await token())).toEqual(refused(message));
  });

  it("keeps today's single provider (JWT_JWKS_URL) working for any practice", async () => {
    const token = await sign(keysPlatform.privateKey, 'RS256', { claims: { iss: PLATFORM_IDP, practice_id: 'practice-z' } }, 'p-1');
    expect(await viewer(token)).toEqual({ id: 'someone', practiceId: 'practice-z' });
  });

  it("applies the lifetime limit to providers' tokens too", async () => {
    const token = await sign(keysA.privateKey, 'RS256', { claims: { iss: ISSUER_A }, exp: now() + 10 * MAX }, 'a-1');
    expect(await viewer(token)).toEqual(refused(/lifetime exceeds/));
  });
});

describe('a verified token remembered (no signature check per request)', () => {
  it('is refused once it expires, although it was accepted before', async () => {
    // no clock skew here, so the moment of expiry is exact
    const tokens = new TokenService(configFromEnv({ ...process.env, JWT_SECRET: TEST_JWT_SECRET, JWT_CLOCK_SKEW_SECONDS: '0' }));
    const exp = now() + 2;
    const token = await new SignJWT({ practice_id: 'practice-r', role: 'COACH' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('remembered')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect(tokens.verify(token)).resolves.toMatchObject({ id: 'remembered', practiceId: 'practice-r' });
    await expect(tokens.verify(token)).resolves.toMatchObject({ id: 'remembered' }); // from memory
    while (Date.now() < exp * 1000) await new Promise((r) => setTimeout(r, 50));
    await expect(tokens.verify(token)).rejects.toThrow(/expired/);
  });

  it('a token signed with another key is refused even after a valid one was remembered', async () => {
    const tokens = new TokenService(configFromEnv({ ...process.env, JWT_SECRET: TEST_JWT_SECRET }));
    const sign = (secret: string) =>
      new SignJWT({ practice_id: 'practice-r', role: 'COACH' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('remembered')
        .setIssuedAt()
        .setExpirationTime(now() + 600)
        .sign(new TextEncoder().encode(secret));
    await expect(tokens.verify(await sign(TEST_JWT_SECRET))).resolves.toMatchObject({ id: 'remembered' });
    await expect(tokens.verify(await sign(`${TEST_JWT_SECRET}-forged`))).rejects.toThrow(/Invalid token/);
  });
});
