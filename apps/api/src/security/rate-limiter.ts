import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { AppConfigService, type Principal } from '#platform';

/** Who a request counts against: a principal (sub within practice) or, without a valid token, an address. */
export type RateLimitSubject = { principal: Principal } | { ip: string };

export interface RateLimitDecision {
  allowed: boolean;
  /** when refused: how long until one more request fits */
  retryAfterMs: number;
}

/**
 * Sliding-window counter, atomically in Redis with Redis's clock (several API
 * copies agree): the previous window's count weighs in proportion to how much
 * of it still overlaps the sliding window. A refused request is not counted,
 * so a caller that keeps knocking gets in as soon as its earlier requests
 * have slid out. Returns {admitted, retry-after ms}.
 */
const SLIDING_WINDOW = `
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local index = math.floor(now / window)
local elapsed = now - index * window
local stored = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local w = tonumber(stored[1])
local current = tonumber(stored[2]) or 0
local previous = tonumber(stored[3]) or 0
if w == nil or w < index - 1 then
  current = 0
  previous = 0
elseif w == index - 1 then
  previous = current
  current = 0
end
local weighted = previous * (window - elapsed) / window + current
if weighted + 1 <= limit then
  redis.call('HSET', KEYS[1], 'w', index, 'c', current + 1, 'p', previous)
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return {1, 0}
end
local wait
if current + 1 <= limit then
  wait = (window - (limit - 1 - current) * window / previous) - elapsed
else
  wait = (window - elapsed) + window * (1 - (limit - 1) / current)
end
return {0, math.ceil(math.max(wait, 1))}
`;

/**
 * The per-principal rate limit (RATE_LIMIT_*), kept in Redis so every API
 * copy shares it. Redis trouble never refuses a request: it is let through
 * and logged (at most every 30 s), since the limit protects the service and
 * an outage of its guard must not become an outage of the service.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  readonly enabled: boolean;
  private readonly windowMs: number;
  private readonly perPrincipal: number;
  private readonly perAddress: number;
  private readonly prefix: string;
  private redis: Redis | Cluster | null = null;
  /** on Redis Cluster each principal's keys carry a hash tag, so they stay in one slot */
  private readonly tagged: boolean;
  private lastComplaint = 0;

  constructor(config: AppConfigService) {
    this.enabled = config.get('RATE_LIMIT');
    this.windowMs = config.get('RATE_LIMIT_WINDOW_MS');
    this.perPrincipal = config.get('RATE_LIMIT_PER_WINDOW');
    this.perAddress = config.get('RATE_LIMIT_ANONYMOUS_PER_WINDOW');
    this.prefix = config.get('RATE_LIMIT_PREFIX');
    const nodes = config.get('REDIS_CLUSTER_NODES');
    this.tagged = nodes !== undefined;
    if (!this.enabled) return;
    const options = {
      lazyConnect: true,
      // fail fast while Redis is away: the request goes through instead of waiting for it
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: (times: number) => Math.min(times * 200, 5_000),
      connectionName: 'coaching-ratelimit',
    };
    this.redis = nodes
      ? new Cluster(
          nodes.split(',').map((hp) => ({ host: hp.slice(0, hp.lastIndexOf(':')), port: Number(hp.slice(hp.lastIndexOf(':') + 1)) })),
          { lazyConnect: true, enableOfflineQueue: false, clusterRetryStrategy: options.retryStrategy, redisOptions: options },
        )
      : new Redis(config.get('REDIS_URL'), options);
    this.redis.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    this.redis.on('error', (err) => this.complain(err));
  }

  async onModuleInit(): Promise<void> {
    await this.redis?.connect().catch((err: unknown) => this.complain(err));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }

  /** The Redis key of a subject: ids may hold `:`, so parts are joined with `/`, which no id or address holds. */
  keyOf(subject: RateLimitSubject): string {
    const id = 'principal' in subject ? `p/${subject.principal.practiceId}/${subject.principal.id}` : `ip/${subject.ip}`;
    return this.tagged ? `${this.prefix}:{${id}}` : `${this.prefix}:${id}`;
  }

  async check(subject: RateLimitSubject): Promise<RateLimitDecision> {
    if (!this.redis) return { allowed: true, retryAfterMs: 0 };
    const limit = 'principal' in subject ? this.perPrincipal : this.perAddress;
    try {
      const [admitted, wait] = (await (this.redis as (Redis | Cluster) & { slidingWindow(key: string, window: number, limit: number): Promise<[number, number]> }).slidingWindow(
        this.keyOf(subject),
        this.windowMs,
        limit,
      ));
      return { allowed: admitted === 1, retryAfterMs: Number(wait) };
    } catch (err) {
      this.complain(err);
      return { allowed: true, retryAfterMs: 0 };
    }
  }

  /** The connection, for tests that take Redis away from the limiter. */
  get connection(): Redis | Cluster | null {
    return this.redis;
  }

  private complain(err: unknown): void {
    const now = Date.now();
    if (now - this.lastComplaint < 30_000) return;
    this.lastComplaint = now;
    this.logger.warn({ err }, 'rate limit unavailable (Redis); requests are let through unlimited until it is back');
  }
}
