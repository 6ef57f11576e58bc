import { randomUUID } from 'node:crypto';
import { Context, Field, Int, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { AccessDenied, AppConfigService, type RequestContext } from '#platform';
import { PracticeSettingsRepository, RuleViolated } from '#engagement';
import { WebhookSender } from '#reminders';

@ObjectType({ description: "One signed test POST to the practice's webhook and what the receiver answered." })
export class WebhookTestDelivery {
  @Field({ description: 'where it was POSTed' })
  url!: string;

  @Field({ description: 'the X-Delivery-Id it carried (test-…)' })
  deliveryId!: string;

  @Field({ description: 'the receiver answered 2xx' })
  delivered!: boolean;

  @Field(() => Int, { nullable: true, description: "the receiver's HTTP status; null when no answer came" })
  status!: number | null;

  @Field({ description: "the start of the receiver's answer (at most 200 characters, whitespace collapsed)" })
  body!: string;

  @Field(() => String, { nullable: true, description: 'why it was not delivered' })
  error!: string | null;

  @Field(() => Int)
  durationMs!: number;
}

/**
 * `sendTestWebhookDelivery`: the console's "send a test delivery" button. Signs a `{"type":"test"}`
 * body with the practice's secret and POSTs it once, through the same sender (and SSRF guard) as
 * reminders; records nothing.
 */
@Resolver()
export class WebhookTestResolver {
  private readonly sender: WebhookSender;

  constructor(
    private readonly settings: PracticeSettingsRepository,
    config: AppConfigService,
  ) {
    this.sender = new WebhookSender({ timeoutMs: config.get('WEBHOOK_TIMEOUT_MS'), allowPrivateNetworks: config.get('WEBHOOK_ALLOW_PRIVATE_NETWORKS') });
  }

  @Mutation(() => WebhookTestDelivery, { description: "ADMIN only: POST one signed test body to the practice's webhook and report the answer" })
  async sendTestWebhookDelivery(@Context() ctx: RequestContext): Promise<WebhookTestDelivery> {
    const principal = ctx.requirePrincipal();
    if (principal.role !== 'ADMIN') throw new AccessDenied('sendTestWebhookDelivery is for ADMIN only');
    const settings = await this.settings.read(ctx.session.asQueryable(), principal.practiceId);
    // no database work is left: the transaction is not held open during the HTTP call
    await ctx.release();
    if (!settings.webhookUrl) throw new RuleViolated('WEBHOOK_NOT_SET', 'The practice has no webhook URL to test');
    const deliveryId = `test-${randomUUID()}`;
    const body = JSON.stringify({ type: 'test', id: deliveryId, practiceId: principal.practiceId, sentAt: new Date().toISOString() });
    const attempt = await this.sender.send({
      url: settings.webhookUrl,
      secret: this.settings.webhookSecret(settings.sealedSecret),
      deliveryId,
      body,
      captureResponse: true,
    });
    return {
      url: settings.webhookUrl,
      deliveryId,
      delivered: attempt.ok,
      status: attempt.status,
      body: attempt.responseBody ?? '',
      error: attempt.error,
      durationMs: attempt.durationMs,
    };
  }
}
