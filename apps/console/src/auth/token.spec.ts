import { normaliseToken, tokenExpiry } from './token';

const jwt = (payload: object) => `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify(payload)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.sig`;

describe('tokens', () => {
  it('reads the expiry of a JWT in milliseconds', () => {
    expect(tokenExpiry(jwt({ sub: 'a', exp: 1_900_000_000 }))).toBe(1_900_000_000_000);
  });

  it('has no expiry for a token without exp or not a JWT', () => {
    expect(tokenExpiry(jwt({ sub: 'a' }))).toBeNull();
    expect(tokenExpiry('not-a-token')).toBeNull();
    expect(tokenExpiry('a.%%%.c')).toBeNull();
  });

  it('takes a pasted token with or without "Bearer "', () => {
    expect(normaliseToken('  Bearer abc.def.ghi \n')).toBe('abc.def.ghi');
    expect(normaliseToken('abc.def.ghi')).toBe('abc.def.ghi');
  });
});
