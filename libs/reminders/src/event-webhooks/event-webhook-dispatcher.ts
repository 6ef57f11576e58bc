import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfigService, Database, SecretBox } from '#platform';
import { Waker } from '#event-store';
import { WebhookSender } from '../delivery/webhook-sender.js';
import { claimDue, practicesWithDueDeliveries, recordDelivered, recordFailed, type ClaimedDelivery } from './event-webhook-store.js';

/** Deliveries one practice's round claims; sent at once, each to its own receiver. */
const CLAIM = 500;

/**
 * Event webhooks, step two: sends the queued deliveries. Each round finds the
 * practices with due deliveries, claims a lease on the oldest pending
 * delivery of each (subscription, stream) — so one engagement's events reach
 * a receiver in order — and POSTs them through the reminders' WebhookSender
 * (the same SSRF guard), signed as reminders are (X-Signature and the
 * Standard Webhooks headers; the delivery id is the event's global position).
 * A failure is retried with a doubling back-off; a subscription failing
 * EVENT_WEBHOOK_PAUSE_AFTER times in a row is paused and flagged, and only
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

  /** One round over every practice with due deliveries; how many attempts it made. */
  async round(): Promise<number> {
    const practices = await this.db.transaction(null, (tx) => practicesWithDueDeliveries(tx));
    const rounds = await Promise.all(
      practices.map(async (practiceId) => {
        const claimed = await this.db.transaction(practiceId, (tx) => claimDue(tx, practiceId, CLAIM, this.leaseMs));
        const outcomes = await Promise.all(claimed.map((d) => this.deliver(practiceId, d)));
        const done = outcomes.filter((o): o is { d: ClaimedDelivery; status: number | null } => o !== null);
        await this.db.transaction(practiceId, (tx) => recordDelivered(tx, practiceId, done));
        return claimed.length;
      }),
    );
    return rounds.reduce((a, b) => a + b, 0);
  }

  /** One attempt; a success is returned for the round to record, a failure is recorded here. */
  private async deliver(practiceId: string, d: ClaimedDelivery): Promise<{ d: ClaimedDelivery; status: number | null } | null> {
    let secret: string;
    try {
      secret = this.secrets.decrypt(d.secret_sealed);
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
    const { paused } = await this.db.transaction(practiceId, (tx) =>
      recordFailed(tx, practiceId, d, { status: attempt.status, error: attempt.error ?? `HTTP ${attempt.status}`, retryInMs, pauseAfter: this.pauseAfter }),
    );
    if (paused) this.logger.warn(`event webhooks: subscription ${d.subscription_id} of practice ${practiceId} paused after repeated failures`);
    return null;
  }
}
