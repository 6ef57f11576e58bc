import type pg from 'pg';

// PostgreSQL sessions of this test run's own database, as pg_stat_activity
// shows them: every query below is confined to current_database(), so a test
// never sees (or terminates) a session of anything else on the server.

export interface Backend {
  pid: number;
  application_name: string;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  query: string;
}

/** Sessions of this database whose application_name is `applicationName` (LIKE pattern), other than the caller's own. */
export async function backends(owner: pg.Pool, applicationName: string): Promise<Backend[]> {
  const { rows } = await owner.query<Backend>(
    `SELECT pid, application_name, state, wait_event_type, wait_event, query FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE $1 AND pid <> pg_backend_pid() ORDER BY pid`,
    [applicationName],
  );
  return rows;
}

/** Terminates one session of this database (refuses to touch any other database's). */
export async function terminate(owner: pg.Pool, pid: number): Promise<void> {
  const { rows } = await owner.query<{ done: boolean }>(
    'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE pid = $1 AND datname = current_database()',
    [pid],
  );
  if (rows[0]?.done !== true) throw new Error(`session ${pid} is not one of this test database's`);
}

/** The app's sessions (application_name `coaching`) left inside a transaction with nothing running. */
export async function idleInTransaction(owner: pg.Pool): Promise<Backend[]> {
  const all = await backends(owner, 'coaching');
  return all.filter((b) => b.state?.startsWith('idle in transaction'));
}
