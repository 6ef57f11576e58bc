import { ConfigValidationError, parseConfig } from './config.schema.js';

const valid = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@db:5432/coaching',
  JWT_SECRET: 'x'.repeat(32),
  SECRETS_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('accepts a complete production environment and applies defaults', () => {
    const config = parseConfig(valid);
    expect(config.PORT).toBe(3000);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.DATABASE_POOL_SIZE).toBe(20);
  });

  it('names each missing variable in production, SECRETS_KEYS included, all at once', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'DATABASE_URL is required but not set',
      'JWT_SECRET is required but not set',
      'SECRETS_KEYS is required in production (keys that encrypt stored webhook secrets: id:<base64 of 32 bytes>)',
    ]);
  });

  it('lists malformed values and what production requires together', () => {
    expect(problems({ NODE_ENV: 'production', PORT: 'x', JWT_SECRET: 'short' })).toEqual([
      'PORT: Invalid input: expected number, received NaN',
      'DATABASE_URL is required but not set',
      'JWT_SECRET: must be at least 32 characters',
      'SECRETS_KEYS is required in production (keys that encrypt stored webhook secrets: id:<base64 of 32 bytes>)',
    ]);
  });

  it('refuses SECRETS_KEYS that are not id:<32 bytes in base64>', () => {
    for (const bad of ['k1', 'k1:short', `k1:${Buffer.alloc(32).toString('base64')},bad id:x`, `:${Buffer.alloc(32).toString('base64')}`]) {
      expect(problems({ ...valid, SECRETS_KEYS: bad })).toEqual([expect.stringMatching(/^SECRETS_KEYS: must be "id:<base64 of 32 bytes>/)]);
    }
    expect(problems({ ...valid, SECRETS_KEYS: `a:${Buffer.alloc(32, 1).toString('base64')},b:${Buffer.alloc(32, 2).toString('base64')}` })).toEqual([]);
  });

  it('refuses the public development JWT secret in production', () => {
    expect(problems({ ...valid, JWT_SECRET: 'development-only-secret-do-not-use-in-production' })).toEqual([
      'JWT_SECRET: the public development value cannot be used in production',
    ]);
  });

  it('wants DATABASE_OWNER_URL for a command that migrates, unless development lends its default', () => {
    expect(() => parseConfig(valid, { migrates: true })).toThrow(/DATABASE_OWNER_URL is required to create the database and run migrations/);
    expect(parseConfig({ ...valid, DATABASE_OWNER_URL: 'postgres://owner@db:5432/coaching' }, { migrates: true }).DATABASE_OWNER_URL).toBe(
      'postgres://owner@db:5432/coaching',
    );
    expect(parseConfig({}, { migrates: true }).DATABASE_OWNER_URL).toBe('postgres://postgres@127.0.0.1:5432/coaching');
    // the owner's default follows the database the app is pointed at (once it migrated another one)
    expect(parseConfig({ DATABASE_URL: 'postgres://coaching_app:pw@127.0.0.1:5433/other' }, { migrates: true }).DATABASE_OWNER_URL).toBe(
      'postgres://postgres@127.0.0.1:5433/other',
    );
  });

  it('binds 127.0.0.1 by default in development and tests, all interfaces in production; HOST overrides', () => {
    expect(parseConfig({}).HOST).toBe('127.0.0.1');
    expect(parseConfig(valid).HOST).toBe('0.0.0.0');
    expect(parseConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
    expect(problems({ HOST: 'not a host!' })).toEqual([expect.stringMatching(/^HOST: /)]);
  });

  it('names each malformed variable', () => {
    const found = problems({ ...valid, PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'maybe' });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'PORT', 'WEBHOOK_ALLOW_PRIVATE_NETWORKS']);
    expect(found.find((p) => p.startsWith('JWT_SECRET'))).toMatch(/at least 32 characters/);
  });

  it('runs development with zero configuration', () => {
    const config = parseConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\//);
  });

  it('never lends development defaults to production or test', () => {
    expect(problems({ NODE_ENV: 'test' })).toContain('JWT_SECRET is required but not set');
  });

  describe('token and operator settings', () => {
    it('defaults to a 24 h maximum token lifetime and 30 s of clock skew', () => {
      const config = parseConfig(valid);
      expect(config.JWT_MAX_LIFETIME_SECONDS).toBe(86_400);
      expect(config.JWT_CLOCK_SKEW_SECONDS).toBe(30);
      expect(config.JWT_ISSUERS).toBeUndefined();
    });

    it('reads JWT_ISSUERS as a list of issuers bound to practices', () => {
      const issuers = [
        { issuer: 'https://a.example', practiceId: 'practice-a', jwksUrl: 'https://a.example/jwks.json' },
        { issuer: 'https://b.example', practiceId: 'practice-b', publicKey: '-----BEGIN PUBLIC KEY-----...' },
      ];
      expect(parseConfig({ ...valid, JWT_ISSUERS: JSON.stringify(issuers) }).JWT_ISSUERS).toEqual(issuers);
    });

    it.each([
      ['not JSON', '[{'],
      ['not a list', '{}'],
      ['an empty list', '[]'],
      ['an issuer without a key', '[{"issuer":"i","practiceId":"p"}]'],
      ['an issuer with two keys', '[{"issuer":"i","practiceId":"p","jwksUrl":"https://i/j","publicKey":"k"}]'],
      ['a bad practice id', '[{"issuer":"i","practiceId":"p q","jwksUrl":"https://i/j"}]'],
      ['an unknown field', '[{"issuer":"i","practiceId":"p","jwksUrl":"https://i/j","practice":"x"}]'],
      ['the same issuer twice', '[{"issuer":"i","practiceId":"p","jwksUrl":"https://i/j"},{"issuer":"i","practiceId":"q","jwksUrl":"https://i/k"}]'],
    ])('refuses JWT_ISSUERS with %s, naming it', (_label, value) => {
      const found = problems({ ...valid, JWT_ISSUERS: value });
      expect(found.length).toBeGreaterThan(0);
      for (const problem of found) expect(problem).toMatch(/^JWT_ISSUERS/);
    });

    it('wants an operator token of at least 32 characters, and bounds lifetime and skew', () => {
      expect(problems({ ...valid, OPERATOR_TOKEN: 'short' })).toEqual(['OPERATOR_TOKEN: must be at least 32 characters']);
      expect(problems({ ...valid, JWT_MAX_LIFETIME_SECONDS: '0' }).map((p) => p.split(':')[0])).toEqual(['JWT_MAX_LIFETIME_SECONDS']);
      expect(problems({ ...valid, JWT_CLOCK_SKEW_SECONDS: '3600' }).map((p) => p.split(':')[0])).toEqual(['JWT_CLOCK_SKEW_SECONDS']);
    });
  });
});
