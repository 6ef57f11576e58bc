import { ConfigValidationError, parseConfig } from './config.schema.js';

const valid = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@db:5432/coaching',
  JWT_SECRET: 'x'.repeat(32),
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

  it('names each missing variable in production', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'DATABASE_URL is required but not set',
      'JWT_SECRET is required but not set',
    ]);
  });

  it('names each malformed variable', () => {
    const found = problems({ ...valid, PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', DATABASE_LOG_SQL: 'maybe' });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_LOG_SQL', 'DATABASE_URL', 'JWT_SECRET', 'PORT']);
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
});
