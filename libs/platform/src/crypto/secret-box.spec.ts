import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('SecretBox', () => {
  it('round-trips and never stores the plaintext', () => {
    const box = SecretBox.fromConfig(key('k1'), { production: true, seed: '' });
    const sealed = box.encrypt('whsec_very-secret');
    expect(sealed).not.toContain('very-secret');
    expect(sealed.startsWith('v1:k1:')).toBe(true);
    expect(box.decrypt(sealed)).toBe('whsec_very-secret');
    expect(box.encrypt('x')).not.toBe(box.encrypt('x'));
  });

  it('detects tampering', () => {
    const box = SecretBox.fromConfig(key('k1'), { production: true, seed: '' });
    const parts = box.encrypt('secret').split(':');
    parts[4] = Buffer.from('forged').toString('base64url');
    expect(() => box.decrypt(parts.join(':'))).toThrow();
  });

  it('rotates: a new first key encrypts, the old one still decrypts until re-sealed', () => {
    const k1 = key('k1');
    const old = SecretBox.fromConfig(k1, { production: true, seed: '' });
    const sealed = old.encrypt('secret');
    const rotated = SecretBox.fromConfig(`${key('k2')},${k1}`, { production: true, seed: '' });
    expect(rotated.decrypt(sealed)).toBe('secret');
    const resealed = rotated.rotate(sealed)!;
    expect(resealed.startsWith('v1:k2:')).toBe(true);
    expect(rotated.rotate(resealed)).toBeNull();
    expect(() => old.decrypt(resealed)).toThrow(/unknown key/);
  });

  it('refuses to run production without keys, and malformed keys', () => {
    expect(() => SecretBox.fromConfig(undefined, { production: true, seed: 's' })).toThrow(/SECRETS_KEYS/);
    expect(() => SecretBox.fromConfig('k1:c2hvcnQ=', { production: false, seed: 's' })).toThrow(/32 bytes/);
    expect(SecretBox.fromConfig(undefined, { production: false, seed: 's' }).decrypt(SecretBox.fromConfig(undefined, { production: false, seed: 's' }).encrypt('a'))).toBe('a');
  });
});
