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

/**
 * Bearer tokens: HS256 with JWT_SECRET out of the box; RS256 of a practice's
 * own identity provider when JWT_PUBLIC_KEY or JWT_JWKS_URL is configured.
 * Every token must carry `exp`; claims are validated by shape.
 */
@Injectable()
export class TokenService {
  private readonly secret: Uint8Array;
  private rsaKey: ReturnType<typeof importSPKI> | null = null;
  private readonly jwks: JWTVerifyGetKey | null;

  constructor(private readonly config: AppConfigService) {
    this.secret = new TextEncoder().encode(config.get('JWT_SECRET'));
    const pem = config.get('JWT_PUBLIC_KEY');
    if (pem) this.rsaKey = importSPKI(pem.replace(/\\n/g, '\n'), 'RS256');
    const jwksUrl = config.get('JWT_JWKS_URL');
    this.jwks = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : null;
  }

  /** The principal behind an `Authorization` header value; Unauthenticated when absent or invalid. */
  async authenticate(header: string | undefined | null): Promise<Principal> {
    if (!header) throw new Unauthenticated('Missing bearer token');
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header.trim());
    if (!match) throw new Unauthenticated('Malformed Authorization header; expected "Bearer <JWT>"');
    return this.verify(match[1]!);
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      payload = (await this.verifySignature(token)).payload;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new Unauthenticated('Token expired');
      if (err instanceof Unauthenticated) throw err;
      throw new Unauthenticated('Invalid token');
    }
    return principalOf(payload);
  }

  private async verifySignature(token: string) {
    const common = {
      requiredClaims: ['exp', 'sub'],
      issuer: this.config.get('JWT_ISSUER'),
      audience: this.config.get('JWT_AUDIENCE'),
      clockTolerance: 30,
    };
    const alg = algorithmOf(token);
    if (alg === 'HS256') return jwtVerify(token, this.secret, { ...common, algorithms: ['HS256'] });
    if (alg === 'RS256' && this.rsaKey) return jwtVerify(token, await this.rsaKey, { ...common, algorithms: ['RS256'] });
    if (alg === 'RS256' && this.jwks) return jwtVerify(token, this.jwks, { ...common, algorithms: ['RS256'] });
    throw new Unauthenticated(`Tokens signed with ${alg ?? 'an unknown algorithm'} are not accepted`);
  }

  /** Issues an HS256 token (development tool, tests). */
  async issue(claims: TokenClaims): Promise<string> {
    const jwt = new SignJWT({
      practice_id: claims.practiceId,
      role: claims.role,
      ...(claims.name ? { name: claims.name } : {}),
      ...(claims.email ? { email: claims.email } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresIn ?? 3600));
    const issuer = this.config.get('JWT_ISSUER');
    const audience = this.config.get('JWT_AUDIENCE');
    if (issuer) jwt.setIssuer(issuer);
    if (audience) jwt.setAudience(audience);
    return jwt.sign(this.secret);
  }
}

function algorithmOf(token: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string' ? header.alg : null;
  } catch {
    return null;
  }
}

function principalOf(p: JWTPayload): Principal {
  const sub = p.sub;
  const practiceId = p['practice_id'];
  const role = p['role'];
  const name = p['name'];
  const email = p['email'];
  if (typeof sub !== 'string' || !EXTERNAL_ID.test(sub)) throw new Unauthenticated('Token claim "sub" is missing or malformed');
  if (typeof practiceId !== 'string' || !EXTERNAL_ID.test(practiceId)) {
    throw new Unauthenticated('Token claim "practice_id" is missing or malformed');
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
