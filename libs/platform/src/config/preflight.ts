import { Redis } from 'ioredis';
import pg from 'pg';

/** One dependency that did not answer at start-up; each becomes one line, then the process exits 1. */
export class DependencyUnavailableError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'DependencyUnavailableError';
  }
}

/** host:port/database of a URL: what was tried, never the password. */
export function addressOf(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 1 ? u.pathname : '';
    return `${u.hostname || 'localhost'}:${u.port || defaultPort}${path}`;
  } catch {
    return '(an unparsable URL)';
  }
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e.code ?? e.errors?.[0]?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(e.message ?? '')) return 'no answer (timed out)';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  return (e.message ?? String(err)).split('\n')[0]!;
}

export interface PostgresTarget {
  /** the variable the URL came from, named in the message */
  variable: 'DATABASE_URL' | 'DATABASE_OWNER_URL';
  url: string;
  /** connect to the server's `postgres` database (the target may not exist before migrate creates it) */
  serverOnly?: boolean;
}

const TIMEOUT_MS = 4_000;

/** Connects once to PostgreSQL; resolves to a one-line problem, or null when it answers. */
export async function checkPostgres(target: PostgresTarget): Promise<string | null> {
  const url = new URL(target.url);
  if (target.serverOnly) url.pathname = '/postgres';
  const where = addressOf(target.url, 5432);
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: TIMEOUT_MS, application_name: 'coaching-preflight' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const user = decodeURIComponent(url.username) || '(the OS user)';
    if (code === '3D000') {
      return `PostgreSQL at ${where} (${target.variable}): the database does not exist — run "npm run migrate" (it creates it), or fix ${target.variable}`;
    }
    if (code === '28P01' || code === '28000') {
      return `PostgreSQL at ${where} (${target.variable}) refused role "${user}": ${reason(err)} — fix the user or password in ${target.variable}, or create the role`;
    }
    return `PostgreSQL is unreachable at ${where} (${target.variable}): ${reason(err)} — start PostgreSQL or set ${target.variable} to a server that runs`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects once to Redis and PINGs it; resolves to a one-line problem, or null when it answers. */
export async function checkRedis(redisUrl: string): Promise<string | null> {
  const where = addressOf(redisUrl, 6379);
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: unknown;
  redis.on('error', (err) => (lastError = err));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return `Redis is unreachable at ${where} (REDIS_URL): ${reason(lastError ?? err)} — start Redis or set REDIS_URL to a server that runs`;
  } finally {
    redis.disconnect();
  }
}

/**
 * Checks, all at once, that the services a command needs answer, before anything else starts:
 * within a few seconds one line per missing service, instead of a process that hangs or retries.
 */
export async function preflight(needs: { postgres?: PostgresTarget[]; redis?: string }): Promise<void> {
  const checks = [...(needs.postgres ?? []).map((t) => checkPostgres(t)), ...(needs.redis ? [checkRedis(needs.redis)] : [])];
  const problems = (await Promise.all(checks)).filter((p): p is string => p !== null);
  if (problems.length > 0) throw new DependencyUnavailableError(problems);
}
