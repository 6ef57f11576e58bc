#!/usr/bin/env node
// PgBouncer in transaction pooling mode in front of a PostgreSQL, for tests, CI and local trials.
// Debian's `pgbouncer` binary runs as a child of this process with a generated configuration in a
// temporary directory; stop() (and this process's exit) kills it and removes the directory.
//
//   node scripts/pgbouncer.mjs [--upstream postgres://postgres@127.0.0.1:5432/x] [--port N] [--pool 20]
//     runs in the foreground until Ctrl-C, printing the port; every database of the upstream server is
//     served under its own name (a `*` fallback entry), for the roles coaching_app and the upstream's user.
//
// Plain JS so Jest's global set-up (outside its module system) and the test files can both use it.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = [process.env.PGBOUNCER_BIN, '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].filter(Boolean);

/** The binary, or one clear line saying how to get it. */
export function pgbouncerBinary() {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' }).trim() || missing();
  } catch {
    return missing();
  }
}

function missing() {
  throw new Error('pgbouncer is not installed: apt-get install pgbouncer (or set PGBOUNCER_BIN)');
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const live = new Set();
const killAll = () => {
  for (const b of live) b.killNow();
};
process.once('exit', killAll);
// a run stopped by a signal does not reach 'exit' handlers: kill PgBouncer, then die of the signal
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

const quote = (v) => `"${String(v).replace(/"/g, '""')}"`;

/**
 * Starts PgBouncer (transaction pooling) in front of `upstream`'s server.
 * `users`: [{ user, password }] that clients may connect as (trust auth on 127.0.0.1: the password is
 * what PgBouncer itself uses towards PostgreSQL). `poolSize`: server connections per database and user,
 * and at most that many per database (`max_db_connections`).
 */
export async function startPgBouncer({ upstream, users, poolSize = 20, port, maxClients = 2000, statementTimeoutMs = 30_000 }) {
  const bin = pgbouncerBinary();
  const up = new URL(upstream);
  const dir = mkdtempSync(join(tmpdir(), 'coaching-pgbouncer-'));
  chmodSync(dir, 0o755); // read by the unprivileged user it runs as
  const listenPort = port ?? (await freePort());
  const userlist = users.map((u) => `${quote(u.user)} ${quote(u.password ?? '')}`).join('\n') + '\n';
  // node-postgres sends statement_timeout and friends as startup parameters, which PgBouncer cannot
  // keep per client in transaction mode: it ignores them and every server connection gets the same
  // defaults from connect_query instead (transaction-local set_config still works per transaction)
  const connectQuery = `SET statement_timeout = ${statementTimeoutMs}; SET idle_in_transaction_session_timeout = 60000`;
  const ini = `[databases]
* = host=${up.hostname} port=${up.port || 5432} connect_query='${connectQuery}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${listenPort}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, 'userlist.txt')}
admin_users = ${users[0].user}
stats_users = ${users.map((u) => u.user).join(', ')}
pool_mode = transaction
default_pool_size = ${poolSize}
max_db_connections = ${poolSize}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = ${maxClients}
server_reset_query =
ignore_startup_parameters = extra_float_digits, statement_timeout, idle_in_transaction_session_timeout, options
logfile =
log_connections = 0
log_disconnections = 0
`;
  writeFileSync(join(dir, 'userlist.txt'), userlist, { mode: 0o644 });
  writeFileSync(join(dir, 'pgbouncer.ini'), ini, { mode: 0o644 });
  // PgBouncer refuses to run as root: drop to an ordinary user when we are root
  const args = process.getuid?.() === 0 ? ['-u', 'nobody', join(dir, 'pgbouncer.ini')] : [join(dir, 'pgbouncer.ini')];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b) => (output = (output + b.toString()).slice(-10_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const bouncer = {
    port: listenPort,
    dir,
    pid: child.pid,
    get output() {
      return output;
    },
    /** a connection URL through PgBouncer for `user` to database `database` */
    url(user, database, password = '') {
      const u = new URL(`postgres://127.0.0.1:${listenPort}/${database}`);
      u.username = user;
      if (password) u.password = password;
      return u.toString();
    },
    killNow() {
      if (!exited) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    async stop() {
      live.delete(bouncer);
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(bouncer);

  // ready when it accepts a TCP connection
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) {
      bouncer.killNow();
      live.delete(bouncer);
      throw new Error(`pgbouncer exited at start: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const ok = await new Promise((resolve) => {
      const s = connect(listenPort, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return bouncer;
    if (Date.now() > deadline) {
      await bouncer.stop();
      throw new Error(`pgbouncer did not listen on ${listenPort} within 15 s: ${output.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The users a test run connects as: the owner of TEST_DATABASE_URL and coaching_app. */
export function testUsers(ownerUrl) {
  const owner = new URL(ownerUrl);
  return [
    { user: decodeURIComponent(owner.username || 'postgres'), password: decodeURIComponent(owner.password) },
    { user: 'coaching_app', password: process.env.TEST_APP_DATABASE_PASSWORD ?? '' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const upstream = arg('upstream', process.env.DATABASE_OWNER_URL ?? 'postgres://postgres@127.0.0.1:5432/coaching');
  const bouncer = await startPgBouncer({
    upstream,
    users: testUsers(upstream),
    poolSize: Number(arg('pool', '20')),
    port: arg('port') ? Number(arg('port')) : undefined,
  }).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
  console.log(`pgbouncer (transaction pooling) on 127.0.0.1:${bouncer.port}, pid ${bouncer.pid}; Ctrl-C stops it`);
}
