import { randomBytes, randomUUID } from 'node:crypto';
import { ERASED, PersonalDataSealing, collectKeyIds, dataKey, isSealed, mapPath, openData, openValue, sealValue, type KeyWrapper } from './personal-data-sealing.js';
import type { NewEvent, Queryable } from './types.js';

const key = dataKey(randomBytes(32));
const keyId = randomUUID();

describe('sealing and opening a value', () => {
  it('round-trips strings, arrays and objects; the sealed form names the key and holds no plaintext', () => {
    for (const value of ['Sam Senior', '', ['a', 'b'], { x: 1 }, 42]) {
      const sealed = sealValue(value, keyId, key);
      expect(isSealed(sealed)).toBe(true);
      expect(sealed.$sealed.split(':').slice(0, 2)).toEqual(['v1', keyId]);
      if (typeof value === 'string' && value) expect(sealed.$sealed).not.toContain(value);
      expect(openValue(sealed, key)).toEqual(value);
    }
  });

  it('opens to [erased] when the key is gone, and refuses another key or a changed key id', () => {
    const sealed = sealValue('secret text', keyId, key);
    expect(openValue(sealed, null)).toBe(ERASED);
    expect(() => openValue(sealed, dataKey(randomBytes(32)))).toThrow();
    const [v, , iv, tag, data] = sealed.$sealed.split(':');
    expect(() => openValue({ $sealed: [v, randomUUID(), iv, tag, data].join(':') }, key)).toThrow();
  });

  it('seals twice to different bytes (a fresh IV each time)', () => {
    expect(sealValue('same', keyId, key).$sealed).not.toBe(sealValue('same', keyId, key).$sealed);
  });
});

describe('paths and whole events', () => {
  it('mapPath maps one field, each element with *, and leaves null or absent fields alone', () => {
    const data = { a: { name: 'n', email: null }, goals: ['g1', 'g2'], n: 3 };
    expect(mapPath(data, ['a', 'name'], () => 'X')).toEqual({ a: { name: 'X', email: null }, goals: ['g1', 'g2'], n: 3 });
    expect(mapPath(data, ['a', 'email'], () => 'X')).toBe(data);
    expect(mapPath(data, ['missing'], () => 'X')).toBe(data);
    expect(mapPath(data, ['goals', '*'], (v) => `${String(v)}!`)).toEqual({ ...data, goals: ['g1!', 'g2!'] });
    expect(data.a.name).toBe('n'); // not mutated
  });

  it('openData opens every sealed value and returns the same object when nothing is sealed', () => {
    const plain = { a: 1, b: ['x'] };
    expect(openData(plain, () => key)).toBe(plain);
    const otherKey = dataKey(randomBytes(32));
    const otherId = randomUUID();
    const data = { client: { id: 'c1', name: sealValue('Sam', keyId, key) }, goals: [sealValue('g', otherId, otherKey)] };
    expect([...collectKeyIds(data)].sort()).toEqual([keyId, otherId].sort());
    expect(openData(data, (id) => (id === keyId ? key : null))).toEqual({ client: { id: 'c1', name: 'Sam' }, goals: [ERASED] });
  });
});

/** A key wrapper that is plainly reversible (the service uses SecretBox). */
const wrapper: KeyWrapper = { encrypt: (s) => `w:${s}`, decrypt: (s) => s.slice(2) };

/** An in-memory person_keys table behind the two statements the sealing sends. */
function fakeDb(): Queryable & { keys: Map<string, { key_id: string; wrapped_key: string | null }> } {
  const keys = new Map<string, { key_id: string; wrapped_key: string | null }>();
  return {
    keys,
    async query(text: string, values: unknown[] = []) {
      if (text.includes('INSERT INTO person_keys')) {
        const [, persons, ids, wrapped] = values as [string, string[], string[], string[]];
        const rows = persons.map((p, i) => {
          if (!keys.has(p)) keys.set(p, { key_id: ids[i]!, wrapped_key: wrapped[i]! });
          return { person_id: p, ...keys.get(p)! };
        });
        return { rows: rows as never[], rowCount: rows.length };
      }
      if (text.includes('event_store_person_keys')) {
        const wanted = new Set(values[0] as string[]);
        const rows = [...keys.values()].filter((k) => wanted.has(k.key_id));
        return { rows: rows as never[], rowCount: rows.length };
      }
      throw new Error(`unexpected statement ${text}`);
    },
  };
}

describe('PersonalDataSealing', () => {
  const metadata = { actorId: 'a', actorRole: 'COACH', practiceId: 'p1', correlationId: 'c', causationId: 'c', occurredAt: new Date().toISOString() };
  const sealing = () =>
    new PersonalDataSealing().useKeyWrapper(wrapper).register([
      { type: 'Opened', needsFirst: false, fields: (d: any) => [{ path: 'client.name', personId: d.client.id }] },
      { type: 'Noted', needsFirst: true, fields: (_d: unknown, first: any) => [{ path: 'text', personId: first?.data?.client?.id }] },
    ]);

  it('seals the registered fields under each person’s key, made on first use; opens them again', async () => {
    const s = sealing();
    const db = fakeDb();
    const events: NewEvent[] = [
      { type: 'Opened', data: { client: { id: 'sam', name: 'Sam' } }, metadata },
      { type: 'Noted', data: { text: 'about Sam' }, metadata },
      { type: 'Other', data: { text: 'plain' }, metadata },
    ];
    const sealed = await s.seal(() => db, 'p1', 'stream-1', events, true);
    expect(JSON.stringify(sealed)).not.toContain('Sam');
    expect(sealed[2]).toBe(events[2]);
    expect(db.keys.get('sam')!.wrapped_key).toMatch(/^w:/);
    await s.prepare(
      sealed.map((e) => e.data),
      db,
    );
    expect(sealed.map((e) => s.open(e.data))).toEqual(events.map((e) => e.data));
  });

  it('after erasure the fields open as [erased], and new events store [erased] for the person', async () => {
    const s = sealing();
    const db = fakeDb();
    const [opened] = await s.seal(() => db, 'p1', 'stream-2', [{ type: 'Opened', data: { client: { id: 'sam', name: 'Sam' } }, metadata }], true);
    // erased as the store does it: the wrapped key deleted, the caches told
    const k = db.keys.get('sam')!;
    k.wrapped_key = null;
    s.forget('p1', 'sam', k.key_id);
    await s.prepare([opened!.data], db);
    expect(s.open(opened!.data)).toEqual({ client: { id: 'sam', name: ERASED } });
    const later: NewEvent = { type: 'Noted', data: { text: 'later, about Sam' }, metadata };
    const [stored] = await s.seal(() => db, 'p1', 'stream-2', [later], false);
    expect(stored!.data).toEqual({ text: ERASED });
    expect(later.data).toEqual({ text: ERASED }); // what the command's projection writes too
  });

  it('seals nothing without rules or without key-encryption keys', async () => {
    const events: NewEvent[] = [{ type: 'Opened', data: { client: { id: 'sam', name: 'Sam' } }, metadata }];
    expect(await new PersonalDataSealing().useKeyWrapper(wrapper).seal(() => fakeDb(), 'p1', 's', events, true)).toEqual(events);
    expect(await new PersonalDataSealing().register([{ type: 'Opened', needsFirst: false, fields: () => [{ path: 'client.name', personId: 'sam' }] }]).seal(() => fakeDb(), 'p1', 's', events, true)).toEqual(events);
  });
});
