// `cli seal-personal-data` (issue 12): events written before personal data was
// sealed get their personal fields moved under per-person keys; every changed
// event is listed in personal_data_sealing_log; ids, versions, positions,
// transaction ids, types, schema versions, metadata and times stay; a second
// run changes nothing; the API reads the same engagement as before; and an
// UPDATE of the log outside the step is still refused.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { sealPersonalData } from '../../apps/cli/src/ops/seal-personal-data.command.js';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { newCast, ok } from '../support/engagements.js';

jest.setTimeout(90_000);



let api: TestApi;
let pool: ReturnType<typeof testPool>;
beforeAll(async () => {
  api = await TestApi.start();
  pool = testPool(2);
});
afterAll(async () => {
  await pool?.end();
  await api?.close();
});

it('moves the personal fields of earlier events under per-person keys, listed, nothing else changed', async () => {
  const cast = newCast('legacy');
  const id = randomUUID();
  const homeworkId = randomUUID();
  const meta = (actorId: string, actorRole: string) => ({ actorId, actorRole, practiceId: cast.practiceId, correlationId: 'legacy', causationId: 'legacy', occurredAt: new Date().toISOString() });
  // written as the service wrote them before sealing: plaintext, straight into the log (as the owner)
  const legacy = [
    { type: 'EngagementOpened', data: { engagementId: id, practiceId: cast.practiceId, coach: { id: cast.coach.id, name: 'Legacy Coachname', email: null }, client: { id: cast.client.id, name: 'Legacy Clientname', email: 'legacy.client@example.com' }, title: 'Legacy' }, metadata: meta(cast.coach.id, 'COACH') },
    { type: 'IntakeRecorded', data: { presentingQuestion: 'Legacy question', background: 'Legacy background', goals: ['Legacy goal'], currentStrategy: 'Legacy strategy', baseline: [] }, metadata: meta(cast.coach.id, 'COACH') },
    { type: 'HomeworkAssigned', data: { homeworkId, title: 'Hook', instructions: 'One hook', dueAt: null }, metadata: meta(cast.coach.id, 'COACH') },
    { type: 'DraftSubmitted', data: { homeworkId, draftId: randomUUID(), revision: 1, content: 'Legacy draft text' }, metadata: meta(cast.client.id, 'CLIENT') },
  ];
  for (const [i, e] of legacy.entries()) {
    await pool.query(
      `INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, now())`,
      [randomUUID(), id, i + 1, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), cast.practiceId],
    );
  }
  const columns = 'position, transaction_id::text, event_id, stream_id, version, type, schema_version, metadata, practice_id, occurred_at';
  const before = (await pool.query(`SELECT ${columns}, data FROM events WHERE stream_id = $1 ORDER BY version`, [id])).rows;

  const [report] = await sealPersonalData(['--practice', cast.practiceId, '--batch-size', '3'], { line: () => undefined });
  expect(report).toEqual({ practiceId: cast.practiceId, events: 4, sealed: 3 });

  const after = (await pool.query(`SELECT ${columns}, data FROM events WHERE stream_id = $1 ORDER BY version`, [id])).rows;
  expect(after.map(({ data: _d, ...rest }) => rest)).toEqual(before.map(({ data: _d, ...rest }) => rest));
  expect(JSON.stringify(after.map((r) => r.data))).not.toMatch(/Legacy (Coachname|Clientname|question|background|goal|strategy|draft)|legacy\.client/);
  expect(after[2].data).toEqual(before[2].data); // nothing personal in it: untouched
  expect(after[0].data.client).toMatchObject({ id: cast.client.id, email: { $sealed: expect.any(String) } });
  expect(after[0].data.coach.email).toBeNull();
  const log = (await pool.query('SELECT position::text AS position, version, type, paths FROM personal_data_sealing_log WHERE practice_id = $1 ORDER BY position', [cast.practiceId])).rows;
  expect(log).toEqual([
    { position: String(after[0].position), version: 1, type: 'EngagementOpened', paths: ['coach.name', 'coach.email', 'client.name', 'client.email'] },
    { position: String(after[1].position), version: 2, type: 'IntakeRecorded', paths: ['presentingQuestion', 'background', 'goals.*', 'currentStrategy'] },
    { position: String(after[3].position), version: 4, type: 'DraftSubmitted', paths: ['content'] },
  ]);

  // a second run finds nothing to do
  const [again] = await sealPersonalData(['--practice', cast.practiceId], { line: () => undefined });
  expect(again!.sealed).toBe(0);

  // the log is still append-only outside the step, even for the owner
  await expect(pool.query(`UPDATE events SET data = '{}' WHERE stream_id = $1 AND version = 3`, [id])).rejects.toThrow(/append-only/);
  await expect(pool.query(`DELETE FROM events WHERE stream_id = $1`, [id])).rejects.toThrow(/append-only/);
});

it('the opened events equal the ones written before', async () => {
  // through the API: a timeline read opens the sealed fields
  const cast = newCast('legacy-read');
  const id = randomUUID();
  const opened = { engagementId: id, practiceId: cast.practiceId, coach: { id: cast.coach.id, name: 'Old Coach', email: 'old.coach@example.com' }, client: { id: cast.client.id, name: 'Old Client', email: null }, title: 'Old' };
  await pool.query(
    `INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at) VALUES ($1, $2, 1, 'EngagementOpened', 1, $3, $4, $5, now())`,
    [randomUUID(), id, JSON.stringify(opened), JSON.stringify({ actorId: cast.coach.id, actorRole: 'COACH', practiceId: cast.practiceId, correlationId: 'c', causationId: 'c', occurredAt: new Date().toISOString() }), cast.practiceId],
  );
  await sealPersonalData(['--practice', cast.practiceId], { line: () => undefined });
  const stored = (await pool.query('SELECT data FROM events WHERE stream_id = $1', [id])).rows[0].data;
  expect(JSON.stringify(stored)).not.toContain('Old Coach');
  const x = ok(await api.gql<any>(`query ($p: ID!) { exportPersonData(personId: $p) { events { data } } }`, { p: cast.coach.id }, cast.admin)).exportPersonData;
  // no read-model row exists for this hand-written stream, so the export finds it by actor
  expect(x.events.map((e: any) => e.data)).toEqual([opened]);
});
