import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, importSPKI, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppConfigService } from '../config/app-config.js';
import { Unauthenticated } from './errors.js';
import { EXTERNAL_ID, type Principal, type PrincipalRole } from './principal.js';

const ROLES: readonly PrincipalRole[] = ['ADMIN', 'COACH', 'CLIENT'];
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export interface TokenClaims {
  sub: string;
  practiceId: string;
  role: PrincipalRole;
  name?: string;
  email?: string;
  /** lifetime in seconds; default one hour */
  expiresIn?: number;
}

/** A practice's own identity provider (JWT_ISSUERS): its tokens may speak for that practice only. */
interface BoundIssuer {
  issuer: string;
  practiceId: string;
  key: JWTVerifyGetKey | ReturnType<typeof importSPKI>;
}

/** How long a verified token is remembered (at most until it expires), and how many are. */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

/**
 * Bearer tokens: HS256 with JWT_SECRET out of the box; RS256 of identity providers when
 * configured. Every token must carry `exp`, live at most JWT_MAX_LIFETIME_SECONDS (counted from
 * `iat`, or from now without one) and not be issued in the future; exp, nbf and iat are judged
 * with JWT_CLOCK_SKEW_SECONDS of tolerance. Claims are validated by shape.
 *
 * Identity providers: JWT_ISSUERS binds each practice's provider (issuer + key) to its practice
 * — a token whose `iss` is that issuer is verified with that key only and must claim that
 * practice (or none: it is then that practice's). JWT_PUBLIC_KEY / JWT_JWKS_URL keep their
 * meaning: one provider trusted for every practice (a deployment's own), for tokens of any
 * other issuer (JWT_ISSUER when set).
 */
@Injectable()
export class TokenService {
  private readonly secret: Uint8Array;
  private rsaKey: ReturnType<typeof importSPKI> | null = null;
  private readonly jwks: JWTVerifyGetKey | null;
  private readonly issuers = new Map<string, BoundIssuer>();
  private readonly maxLifetime: number;
  private readonly skew: number;
  /** tokens whose signature and claims were checked: token → principal, until when it may be reused */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly config: AppConfigService) {
    this.secret = new TextEncoder().encode(config.get('JWT_SECRET'));
    const pem = config.get('JWT_PUBLIC_KEY');
    if (pem) this.rsaKey = importSPKI(pem.replace(/\\n/g, '\n'), 'RS256');
    const jwksUrl = config.get('JWT_JWKS_URL');
    this.jwks = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : null;
    for (const entry of config.get('JWT_ISSUERS') ?? []) {
      const key = entry.jwksUrl ? createRemoteJWKSet(new URL(entry.jwksUrl)) : importSPKI(entry.publicKey!.replace(/\\n/g, '\n'), 'RS256');
      // an unreadable key fails the tokens it should verify, not the start-up (and is not an unhandled rejection)
      if (key instanceof Promise) key.catch(() => undefined);
      this.issuers.set(entry.issuer, { issuer: entry.issuer, practiceId: entry.practiceId, key });
    }
    this.maxLifetime = config.get('JWT_MAX_LIFETIME_SECONDS');
    this.skew = config.get('JWT_CLOCK_SKEW_SECONDS');
  }

  /** The principal behind an `Authorization` header value; Unauthenticated when absent or invalid. */
  async authenticate(header: string | undefined | null): Promise<Principal> {
    if (!header) throw new Unauthenticated('Missing bearer token');
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header.trim());
    if (!match) throw new Unauthenticated('Malformed Authorization header; expected "Bearer <JWT>"');
    return this.verify(match[1]!);
  }

  async verify(token: string): Promise<Principal> {
    // a client sends the same token with every request: its signature is checked once, then remembered a short while
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.until) return known.principal;
      this.verified.delete(token);
    }
    let payload: JWTPayload;
    let bound: BoundIssuer | null;
    try {
      ({ payload, bound } = await this.verifySignature(token));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new Unauthenticated('Token expired');
      if (err instanceof Unauthenticated) throw err;
      throw new Unauthenticated('Invalid token');
    }
    this.checkLifetime(payload);
    const principal = principalOf(payload, bound);
    this.remember(token, payload, principal);
    return principal;
  }

  /**
   * Remembers a verified token until the earlier of its expiry (no clock
   * tolerance: a remembered token never outlives what jwtVerify would accept)
   * and VERIFIED_TTL_MS, so a key withdrawn from a JWKS stops its tokens as
   * soon as jose's own key cache would. Not before its `nbf`; bounded in size.
   */
  private remember(token: string, payload: JWTPayload, principal: Principal): void {
    const now = Date.now();
    if (payload.nbf !== undefined && payload.nbf * 1000 > now) return;
    const until = Math.min(payload.exp! * 1000, now + VERIFIED_TTL_MS);
    if (until <= now) return;
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal: Object.freeze(principal), until });
  }

  private async verifySignature(token: string): Promise<{ payload: JWTPayload; bound: BoundIssuer | null }> {
    const common = {
      requiredClaims: ['exp', 'sub'],
      audience: this.config.get('JWT_AUDIENCE'),
      clockTolerance: this.skew,
    };
    const global = { ...common, issuer: this.config.get('JWT_ISSUER') };
    const alg = algorithmOf(token);
    if (alg === 'HS256') return { payload: (await jwtVerify(token, this.secret, { ...global, algorithms: ['HS256'] })).payload, bound: null };
    if (alg === 'RS256') {
      const bound = this.issuers.get(issuerOf(token) ?? '');
      if (bound) {
        const options = { ...common, issuer: bound.issuer, algorithms: ['RS256'] };
        const { payload } = bound.key instanceof Promise ? await jwtVerify(token, await bound.key, options) : await jwtVerify(token, bound.key, options);
        return { payload, bound };
      }
      if (this.rsaKey) return { payload: (await jwtVerify(token, await this.rsaKey, { ...global, algorithms: ['RS256'] })).payload, bound: null };
      if (this.jwks) return { payload: (await jwtVerify(token, this.jwks, { ...global, algorithms: ['RS256'] })).payload, bound: null };
    }
    throw new Unauthenticated(`Tokens signed with ${alg ?? 'an unknown algorithm'} are not accepted`);
  }

  /** At most JWT_MAX_LIFETIME_SECONDS long (from iat, or from now without one), and not issued in the future. */
  private checkLifetime(payload: JWTPayload): void {
    const now = Math.floor(Date.now() / 1000);
    const { iat, exp } = payload;
    if (iat !== undefined && iat > now + this.skew) throw new Unauthenticated('Token issued in the future (check the issuer\'s clock)');
    if (exp !== undefined && exp - (iat ?? now) > this.maxLifetime) {
      throw new Unauthenticated(`Token lifetime exceeds the maximum of ${this.maxLifetime} s (JWT_MAX_LIFETIME_SECONDS)`);
    }
  }

  /** Issues an HS256 token (development tool, tests). */
  async issue(claims: TokenClaims): Promise<string> {
    const lifetime = claims.expiresIn ?? 3600;
    // a lifetime of 0 or less makes an expired token: tests want those
    if (!Number.isInteger(lifetime) || lifetime > this.maxLifetime) {
      throw new RangeError(`a token's lifetime must be a whole number of seconds, at most ${this.maxLifetime} (JWT_MAX_LIFETIME_SECONDS)`);
    }
    const jwt = new SignJWT({
      practice_id: claims.practiceId,
      role: claims.role,
      ...(claims.name ? { name: claims.name } : {}),
      ...(claims.email ? { email: claims.email } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime);
    const issuer = this.config.get('JWT_ISSUER');
    const audience = this.config.get('JWT_AUDIENCE');
    if (issuer) jwt.setIssuer(issuer);
    if (audience) jwt.setAudience(audience);
    return jwt.sign(this.secret);
  }
}

function algorithmOf(token: string): string | null {
  const alg = partOf(token, 0)?.['alg'];
  return typeof alg === 'string' ? alg : null;
}

/** The claimed issuer, before verification: it only picks the key that must verify the token. */
function issuerOf(token: string): string | null {
  const iss = partOf(token, 1)?.['iss'];
  return typeof iss === 'string' ? iss : null;
}

function partOf(token: string, index: 0 | 1): Record<string, unknown> | null {
  try {
    const part = JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof part === 'object' && part !== null ? (part as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function principalOf(p: JWTPayload, bound: BoundIssuer | null): Principal {
  const sub = p.sub;
  const practiceId = bound && p['practice_id'] === undefined ? bound.practiceId : p['practice_id'];
  const role = p['role'];
  const name = p['name'];
  const email = p['email'];
  if (typeof sub !== 'string' || !EXTERNAL_ID.test(sub)) throw new Unauthenticated('Token claim "sub" is missing or malformed');
  if (typeof practiceId !== 'string' || !EXTERNAL_ID.test(practiceId)) {
    throw new Unauthenticated('Token claim "practice_id" is missing or malformed');
  }
  if (bound && practiceId !== bound.practiceId) {
    throw new Unauthenticated(`Tokens of issuer ${bound.issuer} speak for practice ${bound.practiceId} only`);
  }
  if (typeof role !== 'string' || !ROLES.includes(role as PrincipalRole)) {
    throw new Unauthenticated('Token claim "role" must be ADMIN, COACH or CLIENT');
  }
  return {
    id: sub,
    practiceId,
    role: role as PrincipalRole,
    name: typeof name === 'string' && name.length <= 200 ? name : null,
    email: typeof email === 'string' && EMAIL.test(email) ? email : null,
  };
}
