import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfigService, Database, SecretBox } from '#platform';
import { Waker } from '#event-store';
import { WebhookSender } from '../delivery/webhook-sender.js';
import { claimDue, practicesWithDueDeliveries, recordDelivered, recordFailed, type ClaimedDelivery } from './event-webhook-store.js';

/**
 * What one practice's round claims: the oldest due delivery of up to
 * CLAIM_STREAMS (subscription, engagement) pairs, each with up to
 * CLAIM_PER_STREAM - 1 of that engagement's next ones (at most 5,000 rows).
 * The batches are sent at once; each batch in order, one after the other.
 */
const CLAIM_STREAMS = 500;
const CLAIM_PER_STREAM = 10;

/**
 * Event webhooks, step two: sends the queued deliveries. Each round finds the
 * practices with due deliveries, claims a lease on the oldest pending
 * delivery of each (subscription, stream) and the few after it, sends each
 * such batch in order, one at a time, stopping at the first failure — so one
 * engagement's events reach a receiver in order — through the reminders' WebhookSender
 * (the same SSRF guard), signed as reminders are (X-Signature and the
 * Standard Webhooks headers; the delivery id is the event's global position).
 * A failure is retried with a doubling back-off; a subscription failing
 * EVENT_WEBHOOK_PAUSE_AFTER rounds in a row (its first failure of each round
 * counts) is paused and flagged, and only
 * its own deliveries wait: other subscriptions and practices go on.
 * Several workers may run it: the leases (FOR UPDATE SKIP LOCKED) split the work.
 */
@Injectable()
export class EventWebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventWebhookDispatcher.name);
  private readonly sender: WebhookSender;
  private readonly waker = new Waker();
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly backoffMs: number;
  private readonly pauseAfter: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    config: AppConfigService,
  ) {
    const timeoutMs = config.get('WEBHOOK_TIMEOUT_MS');
    this.sender = new WebhookSender({ timeoutMs, allowPrivateNetworks: config.get('WEBHOOK_ALLOW_PRIVATE_NETWORKS'), userAgent: 'coaching-engagement-events/1' });
    this.backoffMs = config.get('EVENT_WEBHOOK_BACKOFF_MS');
    this.pauseAfter = config.get('EVENT_WEBHOOK_PAUSE_AFTER');
    this.pollMs = config.get('EVENT_WEBHOOK_POLL_MS');
    // a worker that dies mid-send holds its claims this long: the attempt's whole timeout and some
    this.leaseMs = timeoutMs * 2 + 1_000;
    this.timeoutMs = timeoutMs;
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.waker.wake();
    await this.loop;
    await this.sender.close();
  }

  /** Looks for due deliveries now (a test, or a replay in this process). */
  nudge(): void {
    this.waker.wake();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.round();
      } catch (err) {
        this.logger.error(`event webhooks: round failed: ${(err as Error).message}`);
      }
      if (sent === 0 && this.running) await this.waker.sleep(this.pollMs);
    }
  }

  /** One round over every practice with due deliveries; how many deliveries it claimed. */
  async round(): Promise<number> {
    const practices = await this.db.transaction(null, (tx) => practicesWithDueDeliveries(tx));
    const rounds = await Promise.all(practices.map((practiceId) => this.practiceRound(practiceId)));
    return rounds.reduce((a, b) => a + b, 0);
  }

  private async practiceRound(practiceId: string): Promise<number> {
    const leaseEnds = Date.now() + this.leaseMs; // the lease starts at the claim, a little later: this errs short
    const claimed = await this.db.transaction(practiceId, (tx) =>
      claimDue(tx, practiceId, { streams: CLAIM_STREAMS, perStream: CLAIM_PER_STREAM }, this.leaseMs),
    );
    const batches = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      const key = `${d.subscription_id} ${d.stream_id}`;
      const batch = batches.get(key);
      if (batch) batch.push(d);
      else batches.set(key, [d]);
    }
    const done: { d: ClaimedDelivery; status: number | null }[] = [];
    const unattempted: ClaimedDelivery[] = [];
    const secrets = new Map<string, string>();
    // the subscriptions that already had a failure counted this round: see deliver
    const failedThisRound = new Set<string>();
    await Promise.all(
      [...batches.values()].map(async (batch) => {
        batch.sort((a, b) => Number(BigInt(a.position) - BigInt(b.position)));
        for (let i = 0; i < batch.length; i++) {
          // an attempt that could outlast the lease is left for the next claim (made due again below)
          if (!this.running || Date.now() + this.timeoutMs + 1_000 > leaseEnds) {
            unattempted.push(...batch.slice(i));
            return;
          }
          const outcome = await this.deliver(practiceId, batch[i]!, secrets, failedThisRound);
          // a failure stops the batch: the failed one stays the engagement's oldest, due after its back-off
          if (!outcome) return;
          done.push(outcome);
        }
      }),
    );
    await this.db.transaction(practiceId, (tx) => recordDelivered(tx, practiceId, done, unattempted));
    return claimed.length;
  }

  /** One attempt; a success is returned for the round to record, a failure is recorded here. */
  private async deliver(
    practiceId: string,
    d: ClaimedDelivery,
    secrets: Map<string, string>,
    failedThisRound: Set<string>,
  ): Promise<{ d: ClaimedDelivery; status: number | null } | null> {
    let secret = secrets.get(d.secret_sealed);
    try {
      if (secret === undefined) secrets.set(d.secret_sealed, (secret = this.secrets.decrypt(d.secret_sealed)));
    } catch (err) {
      await this.db.transaction(practiceId, (tx) =>
        recordFailed(tx, practiceId, d, { status: null, error: `secret cannot be read: ${(err as Error).message}`, retryInMs: this.backoffMs, pauseAfter: 1 }),
      );
      return null;
    }
    const attempt = await this.sender.send({
      url: d.url,
      secret,
      deliveryId: d.position,
      body: d.body,
    });
    if (attempt.ok) return { d, status: attempt.status };
    const retryInMs = Math.min(3_600_000, this.backoffMs * 2 ** Math.min(d.attempts, 20));
    // one failure per subscription and round counts towards the pause: a round sends to many
    // engagements at once, and one burst of connection resets is not "keeps failing"
    const counts = !failedThisRound.has(d.subscription_id);
    failedThisRound.add(d.subscription_id);
    const { paused } = await this.db.transaction(practiceId, (tx) =>
      recordFailed(tx, practiceId, d, {
        status: attempt.status,
        error: attempt.error ?? `HTTP ${attempt.status}`,
        retryInMs,
        pauseAfter: counts ? this.pauseAfter : null,
      }),
    );
    if (paused) this.logger.warn(`event webhooks: subscription ${d.subscription_id} of practice ${practiceId} paused after repeated failures`);
    return null;
  }
}
