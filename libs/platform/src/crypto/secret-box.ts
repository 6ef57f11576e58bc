import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

interface Key {
  id: string;
  /** a KeyObject, made once: raw bytes are type-checked by Node on every cipher (~5× the cost) */
  key: KeyObject;
}

/**
 * Encrypts secrets at rest (AES-256-GCM). Keys come from configuration as
 * "id:base64key[,id:base64key...]"; the first encrypts, all decrypt, so a key
 * is rotated by putting a new one first and re-encrypting (`rotate`) before
 * the old one is removed. Ciphertext: "v1:<keyId>:<iv>:<tag>:<data>" (base64url).
 */
export class SecretBox {
  private readonly keys: Key[];

  constructor(keys: Key[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    this.keys = keys;
  }

  static fromConfig(spec: string | undefined, fallback: { production: boolean; seed: string }): SecretBox {
    if (spec) return new SecretBox(parseKeys(spec));
    if (fallback.production) throw new Error('SECRETS_KEYS is required in production (id:base64 32-byte key)');
    return new SecretBox(parseKeys(SecretBox.developmentKeys(fallback.seed)));
  }

  /**
   * Development and tests: the SECRETS_KEYS value of a key derived from the JWT secret, stable
   * across restarts — what fromConfig uses when SECRETS_KEYS is unset outside production.
   */
  static developmentKeys(seed: string): string {
    return `dev:${Buffer.from(hkdfSync('sha256', seed, 'coaching', 'secrets-key', 32)).toString('base64')}`;
  }

  encrypt(plaintext: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
  }

  decrypt(sealed: string): string {
    const [version, id, iv, tag, data] = sealed.split(':');
    if (version !== 'v1' || !id || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const key = this.keys.find((k) => k.id === id);
    if (!key) throw new Error(`secret sealed with unknown key "${id}"`);
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** The same secret sealed with the current key (null when it already is). */
  rotate(sealed: string): string | null {
    return sealed.split(':')[1] === this.keys[0]!.id ? null : this.encrypt(this.decrypt(sealed));
  }
}

function parseKeys(spec: string): Key[] {
  return spec.split(',').map((part, i) => {
    const [id, b64] = part.trim().split(':');
    const key = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
      throw new Error(`SECRETS_KEYS entry ${i + 1} must be "id:<base64 of 32 bytes>"`);
    }
    return { id, key: createSecretKey(key) };
  });
}
