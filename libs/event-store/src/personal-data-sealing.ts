import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { NewEvent, Queryable } from './types.js';

// Crypto-shredding (issue 12, docs/history.md): personal fields of events are
// stored sealed under a data key of the person they belong to (one per person
// and practice, table person_keys, wrapped by the service's key-encryption
// keys). Appends seal, reads open; erasing a person deletes their wrapped key,
// after which their fields open as ERASED everywhere, the log included.

/** What a personal field reads as once its person is erased. */
export const ERASED = '[erased]';

/** A sealed field as stored: `{"$sealed":"v1:<keyId>:<iv>:<tag>:<data>"}` (base64url; data is the JSON of the value). */
export interface SealedValue {
  $sealed: string;
}

/** One personal field of an event: where it is (dotted, `*` for each element of an array) and whose it is. */
export interface PersonalField {
  path: string;
  personId: string | null | undefined;
}

/** The first event of a stream (whose parties the later events' fields may belong to). */
export interface StreamFirstEvent {
  type: string;
  data: unknown;
}

/** Which fields of one event type are personal. `first`: the stream's first event (null when there is none). */
export interface PersonalDataRule {
  type: string;
  /** true when `fields` reads `first` (the store then looks it up for appends to an existing stream) */
  needsFirst: boolean;
  fields(data: any, first: StreamFirstEvent | null): PersonalField[];
}

/** The key-encryption keys (the platform's SecretBox fits): wraps and unwraps data keys. */
export interface KeyWrapper {
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
}

const VERSION = 'v1';

/**
 * A data key as the cipher takes it. Kept as a KeyObject: given raw bytes, Node checks on every
 * createCipheriv/createDecipheriv whether they are a KeyObject or a CryptoKey, which costs
 * ~9 of the ~11 µs an open takes (Node 24; 2.2 µs with a KeyObject). Every event a subscriber
 * reads opens its sealed fields, so this is per event.
 */
export type DataKey = KeyObject;

/** A data key's raw bytes (made, or unwrapped) as the KeyObject the ciphers take. */
export function dataKey(bytes: Buffer): DataKey {
  return createSecretKey(bytes);
}

export function isSealed(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as SealedValue).$sealed === 'string' && Object.keys(value).length === 1;
}

/** The value sealed with a person's data key (AES-256-GCM, the key id as associated data). */
export function sealValue(value: unknown, keyId: string, key: DataKey): SealedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { $sealed: [VERSION, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':') };
}

/** The key id a sealed value names. */
export function keyIdOf(sealed: SealedValue): string {
  return sealed.$sealed.split(':')[1] ?? '';
}

/** The value, or ERASED when its key is gone (`key` null). */
export function openValue(sealed: SealedValue, key: DataKey | null): unknown {
  if (key === null) return ERASED;
  const [version, keyId, iv, tag, data] = sealed.$sealed.split(':');
  if (version !== VERSION || !keyId || !iv || !tag || data === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')) as unknown;
}

/** Every key id the sealed values inside `data` name. */
export function collectKeyIds(data: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof data !== 'object' || data === null) return into;
  if (isSealed(data)) {
    into.add(keyIdOf(data));
  } else if (Array.isArray(data)) {
    for (const v of data) collectKeyIds(v, into);
  } else {
    for (const v of Object.values(data)) collectKeyIds(v, into);
  }
  return into;
}

/** `data` with every sealed value opened (a copy where something was sealed; `data` itself otherwise). */
export function openData(data: unknown, keyOf: (keyId: string) => DataKey | null): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if (isSealed(data)) return openValue(data, keyOf(keyIdOf(data)));
  if (Array.isArray(data)) {
    let out: unknown[] | null = null;
    data.forEach((v, i) => {
      const o = openData(v, keyOf);
      if (o !== v) (out ??= [...data])[i] = o;
    });
    return out ?? data;
  }
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(data)) {
    const o = openData(v, keyOf);
    if (o !== v) (out ??= { ...(data as Record<string, unknown>) })[k] = o;
  }
  return out ?? data;
}

/**
 * `data` with the value at `path` replaced by `fn(value)` (copies along the
 * path; `*` maps every element of an array). Null and absent values stay.
 */
export function mapPath(data: unknown, path: readonly string[], fn: (value: unknown) => unknown): unknown {
  if (data === null || data === undefined) return data;
  if (path.length === 0) return fn(data);
  const [head, ...rest] = path;
  if (head === '*') {
    if (!Array.isArray(data)) return data;
    const mapped = data.map((v) => mapPath(v, rest, fn));
    return mapped.every((v, i) => v === data[i]) ? data : mapped;
  }
  if (typeof data !== 'object' || Array.isArray(data)) return data;
  const record = data as Record<string, unknown>;
  if (!(head! in record) || record[head!] === null || record[head!] === undefined) return data;
  const inner = mapPath(record[head!], rest, fn);
  return inner === record[head!] ? data : { ...record, [head!]: inner };
}

/** A map whose entries expire after `ttlMs` and whose oldest entries go beyond `max`. */
class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
  }
  delete(key: K): void {
    this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
}

/** How long an unwrapped data key stays in a process's memory (an erasure in another process is seen within it). */
export const KEY_CACHE_MS = 60_000;

interface PersonKey {
  keyId: string;
  /** null: the person is erased */
  key: DataKey | null;
}

/**
 * Seals events' personal fields before they are appended and opens them when
 * events are read. The store holds one; libs register the personal fields of
 * their event types (as they register upcasters) and the service gives it
 * the key-encryption keys. With no rules or no keys it seals nothing (and a
 * sealed value it cannot open is an error, not silently shown).
 */
export class PersonalDataSealing {
  private readonly rules = new Map<string, PersonalDataRule>();
  private wrapper: KeyWrapper | null = null;
  private readonly byPerson = new ExpiringMap<string, PersonKey>(KEY_CACHE_MS, 10_000);
  private readonly byKeyId = new ExpiringMap<string, DataKey | null>(KEY_CACHE_MS, 10_000);
  /** a stream's first event never changes (the ids the rules read from it are plain) */
  private readonly firsts = new ExpiringMap<string, StreamFirstEvent | null>(10 * KEY_CACHE_MS, 10_000);

  register(rules: readonly PersonalDataRule[]): this {
    for (const r of rules) {
      if (this.rules.get(r.type) === r) continue;
      if (this.rules.has(r.type)) throw new Error(`personal data of ${r.type} registered twice`);
      this.rules.set(r.type, r);
    }
    return this;
  }

  useKeyWrapper(wrapper: KeyWrapper): this {
    this.wrapper = wrapper;
    return this;
  }

  /** Whether appends are sealed (rules registered and keys given). */
  get active(): boolean {
    return this.rules.size > 0 && this.wrapper !== null;
  }

  /** The personal fields of an event, by the registered rules. */
  fieldsOf(type: string, data: unknown, first: StreamFirstEvent | null): PersonalField[] {
    return this.rules.get(type)?.fields(data, first) ?? [];
  }

  /**
   * The events with their personal fields sealed, for the append. A field of
   * an erased person is stored (and, in `events` themselves, replaced) as
   * ERASED: what the projection of the same command writes matches the log.
   * `q` runs the key lookups (in the append's transaction, practice-scoped).
   */
  async seal(q: () => Promise<Queryable> | Queryable, practiceId: string, streamId: string, events: readonly NewEvent[], newStream: boolean): Promise<NewEvent[]> {
    if (!this.active || !events.some((e) => this.rules.has(e.type))) return [...events];
    let first: StreamFirstEvent | null | undefined = newStream ? { type: events[0]!.type, data: events[0]!.data } : this.firsts.get(streamId);
    if (first === undefined && events.some((e) => this.rules.get(e.type)?.needsFirst)) {
      const { rows } = await (await q()).query<{ type: string; data: unknown }>('SELECT type, data FROM events WHERE practice_id = $2 AND stream_id = $1 AND version = 1', [streamId, practiceId]);
      first = rows[0] ?? null;
      this.firsts.set(streamId, first);
    }
    if (newStream) this.firsts.set(streamId, { type: events[0]!.type, data: events[0]!.data });
    const fields = events.map((e) => this.fieldsOf(e.type, e.data, first ?? null).filter((f): f is { path: string; personId: string } => typeof f.personId === 'string' && f.personId.length > 0));
    const keys = await this.keysFor(q, practiceId, [...new Set(fields.flat().map((f) => f.personId))]);
    return events.map((e, i) => {
      let stored = e.data;
      let erased: unknown = e.data;
      for (const f of fields[i]!) {
        const k = keys.get(f.personId)!;
        const path = f.path.split('.');
        if (k.key === null) {
          stored = mapPath(stored, path, () => ERASED);
          erased = mapPath(erased, path, () => ERASED);
        } else {
          stored = mapPath(stored, path, (v) => (isSealed(v) ? v : sealValue(v, k.keyId, k.key!)));
        }
      }
      if (erased !== e.data) (e as { data: unknown }).data = erased;
      return stored === e.data ? e : { ...e, data: stored };
    });
  }

  /** The data keys of these people of the practice, made (and stored wrapped) the first time. */
  private async keysFor(q: () => Promise<Queryable> | Queryable, practiceId: string, personIds: readonly string[]): Promise<Map<string, PersonKey>> {
    const out = new Map<string, PersonKey>();
    const missing: string[] = [];
    for (const p of personIds) {
      const k = this.byPerson.get(`${practiceId}\u0000${p}`);
      if (k) out.set(p, k);
      else missing.push(p);
    }
    if (missing.length === 0) return out;
    const fresh = missing.map(() => ({ keyId: randomUUID(), key: randomBytes(32) }));
    // a concurrent first event of the same person: the conflict returns the key that won (DO UPDATE returns the row)
    const { rows } = await (await q()).query<{ person_id: string; key_id: string; wrapped_key: string | null }>(
      `INSERT INTO person_keys (practice_id, person_id, key_id, wrapped_key)
       SELECT $1, p, k, w FROM unnest($2::text[], $3::uuid[], $4::text[]) AS t(p, k, w)
       ON CONFLICT (practice_id, person_id) DO UPDATE SET person_id = EXCLUDED.person_id
       RETURNING person_id, key_id::text AS key_id, wrapped_key`,
      [practiceId, missing, fresh.map((f) => f.keyId), fresh.map((f) => this.wrapper!.encrypt(f.key.toString('base64')))],
    );
    for (const r of rows) {
      const key = r.wrapped_key === null ? null : dataKey(Buffer.from(this.wrapper!.decrypt(r.wrapped_key), 'base64'));
      const k = { keyId: r.key_id, key };
      this.byPerson.set(`${practiceId}\u0000${r.person_id}`, k);
      this.byKeyId.set(r.key_id, key);
      out.set(r.person_id, k);
    }
    return out;
  }

  /** Loads the keys the sealed values of these datas name (one round trip, only for keys not in memory). */
  async prepare(datas: Iterable<unknown>, q: Queryable): Promise<void> {
    const ids = new Set<string>();
    for (const d of datas) collectKeyIds(d, ids);
    const missing = [...ids].filter((id) => this.byKeyId.get(id) === undefined);
    if (missing.length === 0) return;
    if (!this.wrapper) throw new Error('events hold sealed personal data but the store has no key-encryption keys');
    // a definer function: subscribers read the log across practices
    const { rows } = await q.query<{ key_id: string; wrapped_key: string | null }>(
      'SELECT key_id::text AS key_id, wrapped_key FROM event_store_person_keys($1::uuid[])',
      [missing.filter((id) => UUID.test(id))],
    );
    const found = new Map(rows.map((r) => [r.key_id, r.wrapped_key]));
    for (const id of missing) {
      const wrapped = found.get(id);
      // no row, or its key deleted: the person is erased
      this.byKeyId.set(id, wrapped ? dataKey(Buffer.from(this.wrapper.decrypt(wrapped), 'base64')) : null);
    }
  }

  /** `data` opened with the keys `prepare` loaded. */
  open(data: unknown): unknown {
    return openData(data, (keyId) => {
      const key = this.byKeyId.get(keyId);
      if (key === undefined) throw new Error(`key ${keyId} was not prepared`);
      return key;
    });
  }

  /** The items with their `data` opened (prepare and open in one). */
  async openAll<T extends { data: unknown }>(items: T[], q: Queryable): Promise<T[]> {
    await this.prepare(
      items.map((i) => i.data),
      q,
    );
    for (const i of items) i.data = this.open(i.data);
    return items;
  }

  /**
   * Deletes the person's wrapped key in the caller's transaction (practice
   * scoped): 'erased', or 'already' when it was, or 'none' when the practice
   * never sealed anything of theirs (a row is kept either way, so later events
   * naming them store ERASED). The caches forget the key at once.
   */
  async erase(tx: Queryable, practiceId: string, personId: string): Promise<{ outcome: 'erased' | 'already' | 'none'; keyId: string }> {
    const { rows } = await tx.query<{ key_id: string; erased_at: Date | null }>(
      'SELECT key_id::text AS key_id, erased_at FROM person_keys WHERE practice_id = $1 AND person_id = $2 FOR UPDATE',
      [practiceId, personId],
    );
    const row = rows[0];
    const keyId = row?.key_id ?? randomUUID();
    if (!row) {
      await tx.query('INSERT INTO person_keys (practice_id, person_id, key_id, wrapped_key, erased_at) VALUES ($1, $2, $3, NULL, now())', [practiceId, personId, keyId]);
    } else if (row.erased_at === null) {
      await tx.query('UPDATE person_keys SET wrapped_key = NULL, erased_at = now() WHERE practice_id = $1 AND person_id = $2', [practiceId, personId]);
    }
    this.forget(practiceId, personId, keyId);
    return { outcome: !row ? 'none' : row.erased_at === null ? 'erased' : 'already', keyId };
  }

  /** Drops a person's key from this process's memory. */
  forget(practiceId: string, personId: string, keyId?: string): void {
    const k = this.byPerson.get(`${practiceId}\u0000${personId}`);
    this.byPerson.delete(`${practiceId}\u0000${personId}`);
    if (k) this.byKeyId.delete(k.keyId);
    if (keyId) this.byKeyId.delete(keyId);
  }

  /** Empties every cache (tests; a key rotation). */
  clearCaches(): void {
    this.byPerson.clear();
    this.byKeyId.clear();
    this.firsts.clear();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
