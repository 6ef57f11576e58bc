import { z } from 'zod';
import { HEAP_GROWING_PERCENT as HEAP_GROWTH, ON_OFF } from './heap-growth.js';

// Every setting the service reads, validated once at start-up. A bad or
// missing value stops the process with a message naming the variable.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A protection switch: on unless explicitly off (`off` only for measuring its cost). */
const onOff = z.enum([...ON_OFF.keys()] as [string, ...string[]]).transform((v) => ON_OFF.get(v)!);

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * the address the API and the worker's HTTP server bind: 127.0.0.1 in development and tests (the
   * development JWT secret is public, so the machine's network must not reach it), 0.0.0.0 (all
   * interfaces) in production and in containers; parseConfig fills the default per NODE_ENV
   */
  HOST: z.string().regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'an address or host name, e.g. 127.0.0.1, 0.0.0.0, ::').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** the service's own role: no table ownership, no BYPASSRLS */
  DATABASE_URL: postgresUrl,
  /** the role that owns the schema and runs migrations; in development, the local superuser (postgres) on DATABASE_URL's server and database */
  DATABASE_OWNER_URL: postgresUrl.optional(),
  /**
   * a direct (session) connection to PostgreSQL when DATABASE_URL goes through PgBouncer in
   * transaction mode: LISTEN and the subscribers' session advisory locks use it; defaults to DATABASE_URL
   */
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),

  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  /** prefix of every BullMQ key; lets several deployments (or test runs) share one Redis; `{coaching}` (a hash tag) on Redis Cluster */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_{}-]{1,64}$/).default('coaching'),
  /**
   * Redis Cluster instead of REDIS_URL: seed nodes "host:port,host:port,..."; the reminder queue is
   * then split into REMINDER_QUEUE_SHARDS queues with hash-tagged prefixes, a reminder's shard from its practice
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, 'must be host:port[,host:port...]')
    .optional(),
  /** reminder queues on Redis Cluster (one hash slot each); 1 on a single Redis */
  REMINDER_QUEUE_SHARDS: z.coerce.number().int().min(1).max(256).default(8),

  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** PEM public key for RS256 tokens of a practice's own identity provider */
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  /**
   * practices' own identity providers, each bound to its practice: a JSON list of
   * {"issuer", "practiceId", "jwksUrl" | "publicKey"}; a token whose `iss` is one of them must
   * claim that practice. Beside JWT_PUBLIC_KEY / JWT_JWKS_URL (one provider, any practice).
   */
  JWT_ISSUERS: z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON list' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(
          z
            .object({
              issuer: z.string().min(1).max(500),
              practiceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be a practice id'),
              jwksUrl: z.url().optional(),
              publicKey: z.string().min(1).optional(),
            })
            .strict()
            .refine((i) => (i.jwksUrl === undefined) !== (i.publicKey === undefined), 'each issuer needs exactly one of jwksUrl or publicKey'),
        )
        .min(1)
        .refine((list) => new Set(list.map((i) => i.issuer)).size === list.length, 'an issuer may appear only once'),
    )
    .optional(),
  /** the longest a token may live (exp - iat, or exp - now without iat); longer ones are refused */
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(30 * 86_400).default(86_400),
  /** clock difference tolerated between the token's issuer and this process, for exp, nbf and iat */
  JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),

  /** keys that encrypt stored secrets (AES-256-GCM): "id:base64key[,id:base64key...]", first one encrypts */
  SECRETS_KEYS: z
    .string()
    .refine(
      (spec) => spec.split(',').every((part) => {
        const [id, b64, extra] = part.trim().split(':');
        return !!id && /^[A-Za-z0-9_-]{1,32}$/.test(id) && !!b64 && extra === undefined && Buffer.from(b64, 'base64').length === 32;
      }),
      'must be "id:<base64 of 32 bytes>[,id:<base64 of 32 bytes>...]" (e.g. k1:$(openssl rand -base64 32))',
    )
    .optional(),

  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// URL').optional(),
  SMTP_FROM: z.string().default('Coaching reminders <reminders@localhost>'),

  /** how often subscribers poll when no notification arrives */
  SUBSCRIPTION_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** under a stream of commits, how long a subscriber gathers them into one batch (0: a batch per wake) */
  SUBSCRIPTION_GATHER_MS: z.coerce.number().int().min(0).max(10_000).default(25),
  /** how often a standby tries to take over a subscriber whose owner died */
  SUBSCRIPTION_TAKEOVER_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /**
   * K > 1: every asynchronous subscriber runs as K partitions (by practice) shared fairly by all
   * workers, each partition with its own lock and checkpoint; 0 or 1: one worker owns each subscriber
   */
  SUBSCRIPTION_PARTITIONS: z.coerce.number().int().min(0).max(1024).default(8),
  /** a worker is not ready while a subscriber's oldest unprocessed event is older than this */
  SUBSCRIPTION_MAX_LAG_SECONDS: z.coerce.number().min(1).max(86_400).default(60),

  /**
   * the API's and the worker's old generation is collected once it has grown by this much over what
   * the last full collection kept (100: at twice the live heap); 0 leaves it to V8, which on a host
   * with more than ~8 GB of memory lets it reach 4× before collecting
   */
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(HEAP_GROWTH.max).default(HEAP_GROWTH.default),
  /**
   * whether the API and the worker collect V8's young generation with helper threads; off (the default):
   * on the main thread alone, cheaper with the small young generation they run with on a host of two cores
   */
  PARALLEL_SCAVENGE: onOff.default(false),
  /** after SIGTERM, how long active requests and jobs may take before the process exits anyway */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(25_000),
  /** the worker's HTTP port: /health/live, /health/ready, /metrics (0 = any free port) */
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /**
   * when set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; in production
   * without it /metrics is off (404)
   */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

  /** delivery attempts of one reminder before it is FAILED */
  REMINDER_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  /** first retry delay; doubles each attempt (30 s, 1 min, 2 min, ...) */
  REMINDER_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  /** how often every SCHEDULED reminder is checked for a live job (Redis lost or flushed) */
  REMINDER_RECONCILE_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /**
   * a delivering worker's claim on its reminders, renewed every third of it while it works: a
   * worker that dies mid-delivery holds them at most this long before another takes them over
   */
  REMINDER_LEASE_SECONDS: z.coerce.number().int().min(3).max(600).default(15),
  /**
   * how long before a reminder's time its worker takes it up: leases it, reads its engagement, asks
   * the rules as of that time, stores its webhook body, then sends it at its time, not before (0: at its time)
   */
  REMINDER_LEAD_MS: z.coerce.number().int().min(0).max(10_000).default(5_000),
  /** how often the worker looks for digests that are due (held reminders' and coaches' morning digests) */
  REMINDER_DIGEST_SWEEP_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** reminder jobs one worker process runs at once */
  REMINDER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(1_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** let webhooks go to loopback and private addresses (local development and tests only) */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  /** event webhooks: first retry delay of a failed delivery; doubles each attempt, at most an hour */
  EVENT_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  /** event webhooks: failed attempts in a row after which a subscription is paused and flagged failing */
  EVENT_WEBHOOK_PAUSE_AFTER: z.coerce.number().int().min(1).max(1_000).default(8),
  /** event webhooks: how often the dispatcher looks for due deliveries when idle */
  EVENT_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * event webhooks: days a DELIVERED delivery row is kept after its delivery (its status and body for
   * the ADMIN's `deliveries` list); older ones are deleted by the worker. Undelivered ones (pending,
   * retrying, or held by a paused subscription) are never pruned. A replay reads the event log, not
   * this table, so it re-delivers pruned ranges too.
   */
  EVENT_WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** event webhooks: how often the worker prunes delivered rows past their retention */
  EVENT_WEBHOOK_PRUNE_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(3_600_000),

  GRAPHQL_PLAYGROUND: bool.optional(),
  /**
   * behind a load balancer: which X-Forwarded-For hops to believe, so the rate limit of callers
   * without a token keys on the client's address (Express' "trust proxy": a hop count, "loopback",
   * subnets, or true); unset, the socket's address is used
   */
  TRUST_PROXY: z
    .string()
    .regex(/^[\w.:/, -]{1,200}$/, 'a hop count, true, or Express trust-proxy names and subnets')
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v))
    .optional(),

  // Protections of the GraphQL endpoint (apps/api/src/security). `off` exists only to measure their cost.
  /** depth, cost, alias, directive, field, token and input limits, and the execution timeout */
  GRAPHQL_LIMITS: onOff.default(true),
  /** nesting of fields in one operation (fragments flattened); the contract's deepest query needs 9 */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(100).default(10),
  /** estimated fields resolved: each field 1, a list multiplies what it holds by its page size (`first`) or its hard maximum */
  GRAPHQL_MAX_COST: z.coerce.number().int().min(10).max(1_000_000_000).default(7_000_000),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(10_000).default(100),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(10_000).default(50),
  /** field selections written in one operation (fragments expanded): refuses `__typename` repeated 500 times */
  GRAPHQL_MAX_FIELDS: z.coerce.number().int().min(10).max(100_000).default(400),
  /** lexical tokens of a document (the parser stops counting there) */
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(5_000),
  /** characters of one string in the variables or the document; the longest legitimate text is a 50,000-character draft */
  GRAPHQL_MAX_STRING_LENGTH: z.coerce.number().int().min(1_000).max(10_000_000).default(65_536),
  /** nesting of the variables' objects and lists */
  GRAPHQL_MAX_INPUT_DEPTH: z.coerce.number().int().min(2).max(1_000).default(10),
  /** items of one list in the variables */
  GRAPHQL_MAX_LIST_LENGTH: z.coerce.number().int().min(10).max(1_000_000).default(1_000),
  /** a query's reads stop at this budget (mutations are bounded by the database's statement timeout) */
  GRAPHQL_TIMEOUT_MS: z.coerce.number().int().min(50).max(300_000).default(10_000),
  /** bytes of one answer (HTTP response or websocket result); past it the answer is replaced by a BAD_USER_INPUT `responseSize` error */
  GRAPHQL_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1_024).max(1_073_741_824).default(8 * 1_048_576),
  /**
   * queries and mutations over HTTP run on a compiled plan (graphql-jit) once the same document has
   * run this many times through graphql-js; 0: always graphql-js
   */
  GRAPHQL_JIT_AFTER: z.coerce.number().int().min(0).max(1_000_000).default(2),
  /** a websocket that has not sent `connection_init` this long after opening is closed (4408) */
  GRAPHQL_WS_INIT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** websockets of one address that have not (yet) authenticated; past it the upgrade is answered 429 */
  GRAPHQL_WS_MAX_UNAUTHENTICATED_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),

  /** requests per principal (sub + practice), or per IP without a valid token, per window; kept in Redis */
  RATE_LIMIT: onOff.default(true),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  RATE_LIMIT_PER_WINDOW: z.coerce.number().int().min(1).max(100_000_000).default(1_200),
  RATE_LIMIT_ANONYMOUS_PER_WINDOW: z.coerce.number().int().min(1).max(100_000_000).default(300),
  /** prefix of the rate-limit keys in Redis (distinct from QUEUE_PREFIX) */
  RATE_LIMIT_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('coaching-ratelimit'),
  /**
   * the platform operator's credential (Bull Board at /admin/queues, /health/ready details):
   * `Authorization: Bearer <OPERATOR_TOKEN>` or HTTP Basic with it as the password. Never a
   * practice's token. Unset, the queue dashboard is off.
   */
  OPERATOR_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** the former name of OPERATOR_TOKEN (OPERATOR_TOKEN wins when both are set) */
  ADMIN_QUEUES_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),

  // The practice console at /console (apps/console): single sign-on with the practice's identity provider
  /** the OpenID Connect issuer the console signs in with (authorization code + PKCE); unset: no single sign-on */
  CONSOLE_OIDC_ISSUER: z.url().optional(),
  /** the console's public client id at that issuer */
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  CONSOLE_OIDC_SCOPE: z.string().default('openid profile'),
  /** the resource indicator (RFC 8707) asked for, so the access token is a JWT for this API; defaults to JWT_AUDIENCE */
  CONSOLE_OIDC_RESOURCE: z.string().optional(),
  /** where the console's build is; defaults to dist/console under the working directory */
  CONSOLE_DIST_DIR: z.string().optional(),
});

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Development runs with zero configuration against the local PostgreSQL;
 * production (and test) must say everything explicitly.
 */
export const DEVELOPMENT_DEFAULTS: Readonly<Record<string, string>> = {
  DATABASE_URL: 'postgres://coaching_app@127.0.0.1:5432/coaching',
  DATABASE_OWNER_URL: 'postgres://postgres@127.0.0.1:5432/coaching',
  JWT_SECRET: 'development-only-secret-do-not-use-in-production',
};

/**
 * In development, the schema owner's default follows the database DATABASE_URL names (the local
 * superuser on that server): `DATABASE_URL=…/other npm run migrate` migrates `other`, not the
 * default database the app would then not be connected to.
 */
function developmentOwnerOf(databaseUrl: string | undefined): Record<string, string> {
  if (!databaseUrl) return {};
  try {
    const url = new URL(databaseUrl);
    url.username = new URL(DEVELOPMENT_DEFAULTS.DATABASE_OWNER_URL!).username;
    url.password = '';
    return { DATABASE_OWNER_URL: url.toString() };
  } catch {
    return {}; // a malformed DATABASE_URL is reported by the schema
  }
}

/** What a command is about to do, for the settings only it needs. */
export interface ConfigPurpose {
  /** it creates the database and runs migrations (migrate, start, seed-demo): it needs the schema owner */
  migrates?: boolean;
}

/**
 * Parses the environment; throws ConfigValidationError naming every bad or missing variable at once
 * (each malformed value, then what production or the command itself requires), before anything runs.
 */
export function parseConfig(env: Record<string, string | undefined>, purpose: ConfigPurpose = {}): AppConfig {
  const input: Record<string, string> = {};
  const nodeEnv = env.NODE_ENV || 'development';
  if (nodeEnv === 'development') Object.assign(input, DEVELOPMENT_DEFAULTS, developmentOwnerOf(env.DATABASE_URL));
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') input[k] = v;
  const result = configSchema.safeParse(input);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const missing = issue.code === 'invalid_type' && input[name] === undefined;
        return missing ? `${name} is required but not set` : `${name}: ${issue.message}`;
      });
  if (nodeEnv === 'production' && input.SECRETS_KEYS === undefined) {
    problems.push('SECRETS_KEYS is required in production (keys that encrypt stored webhook secrets: id:<base64 of 32 bytes>)');
  }
  if (nodeEnv === 'production' && input.JWT_SECRET === DEVELOPMENT_DEFAULTS.JWT_SECRET) {
    problems.push('JWT_SECRET: the public development value cannot be used in production');
  }
  if (purpose.migrates && input.DATABASE_OWNER_URL === undefined) {
    problems.push(
      "DATABASE_OWNER_URL is required to create the database and run migrations (the schema owner; DATABASE_URL's role owns nothing)",
    );
  }
  if (problems.length > 0 || !result.success) throw new ConfigValidationError(problems);
  const config = result.data;
  return { ...config, HOST: config.HOST ?? (config.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1') };
}
