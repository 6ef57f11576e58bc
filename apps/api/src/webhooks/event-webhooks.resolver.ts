import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import {
  Args,
  ArgsType,
  Context,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
  registerEnumType,
} from '@nestjs/graphql';
import { PostgresEventStore } from '#event-store';
import { ENGAGEMENT_EVENT_TYPES, PERSON_ERASED, PageInfo } from '#engagement';
import { AccessDenied, BadUserInput, Database, ResourceNotFound, SecretBox, type RequestContext } from '#platform';
import {
  backlogs,
  deleteSubscription,
  deliveriesPage,
  insertSubscription,
  MAX_SUBSCRIPTIONS,
  MAX_EVENT_TYPES,
  MAX_REPLAY,
  replaySubscription,
  subscriptionsOf,
  updateSubscription,
  type WebhookDeliveryRow,
  type WebhookSubscriptionRow,
} from '#reminders';

// Event webhooks (issue 12): a practice's ADMIN subscribes URLs to its
// committed events. The worker's fan-out subscriber queues them and its
// dispatcher sends them (libs/reminders/src/event-webhooks); this is the API.

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  RETRYING = 'RETRYING',
  DELIVERED = 'DELIVERED',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'where a delivery stands',
  valuesMap: {
    PENDING: { description: 'queued, not attempted yet' },
    RETRYING: { description: 'attempted and failed; retried after a back-off' },
    DELIVERED: { description: 'the receiver answered 2xx' },
  },
});

/** The event types a subscription may name: the engagement events, the practice settings event and erasures (a receiver erases too). */
const EVENT_TYPES = new Set<string>([...ENGAGEMENT_EVENT_TYPES, 'PracticeSettingsUpdated', PERSON_ERASED]);

@ObjectType({ description: "One committed event's delivery to one subscription." })
export class WebhookDelivery {
  @Field(() => String, { description: "the delivery id: the event's global position (X-Delivery-Id, webhook-id)" })
  id!: string;

  @Field(() => String, { description: 'the event type, e.g. DraftSubmitted' })
  eventType!: string;

  @Field(() => ID, { description: 'the stream of the event (the engagement id for engagement events)' })
  streamId!: string;

  @Field(() => GraphQLISODateTime)
  occurredAt!: Date;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'attempts so far' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: "the receiver's HTTP status at the last attempt" })
  lastStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'why the last attempt failed' })
  lastError!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'when the next attempt is due (null: delivered)' })
  nextAttemptAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  deliveredAt!: Date | null;
}

@ObjectType({ description: 'A delivery and its cursor.' })
export class WebhookDeliveryEdge {
  @Field(() => String, { description: 'pass as `after` for the older deliveries' })
  cursor!: string;

  @Field(() => WebhookDelivery)
  node!: WebhookDelivery;
}

@ObjectType({ description: "A page of a subscription's deliveries, newest event first." })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge])
  edges!: WebhookDeliveryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: "A URL that receives the practice's committed events, signed with its secret (never shown)." })
export class WebhookSubscription {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [String], { nullable: true, description: 'the event types it receives; null: every type' })
  eventTypes!: string[] | null;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Boolean, { description: 'deliveries are being made (false: paused, by an ADMIN or after repeated failures)' })
  active!: boolean;

  @Field(() => Boolean, { description: 'paused because its deliveries kept failing; updating it with active: true resumes it' })
  failing!: boolean;

  @Field(() => GraphQLISODateTime, { description: 'events committed from then on are delivered (older ones: replay)' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  lastDeliveryAt!: Date | null;
}

@InputType({ description: "A URL to receive the practice's committed events." })
export class CreateWebhookSubscriptionInput {
  @Field(() => String, { description: 'http(s); private and loopback addresses are refused when delivering, as for reminder webhooks' })
  url!: string;

  @Field(() => String, { description: 'signs every delivery (X-Signature, webhook-signature); 16 to 256 printable characters; never shown again' })
  secret!: string;

  @Field(() => [String], { nullable: true, description: 'only these event types; omitted: every type' })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType({ description: 'Changes to a webhook subscription; omitted fields stay as they are.' })
export class UpdateWebhookSubscriptionInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'a new secret (write-only)' })
  secret?: string | null;

  @Field(() => [String], { nullable: true, description: 'only these event types; an empty list: every type' })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'false pauses it; true resumes it (and clears failing)' })
  active?: boolean | null;
}

@ArgsType()
export class DeliveriesArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: 'page size, at most 200' })
  first: number | null = 20;

  @Field(() => String, { nullable: true, description: 'the endCursor of the previous page' })
  after?: string | null;

  @Field(() => WebhookDeliveryStatus, { nullable: true, description: 'only deliveries in this state' })
  status?: WebhookDeliveryStatus | null;
}

@ArgsType()
export class ReplayArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'from this global position (a delivery id), inclusive' })
  fromPosition?: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'from the events that occurred at or after this instant' })
  fromTime?: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function admin(ctx: RequestContext, what: string): string {
  const principal = ctx.requirePrincipal();
  if (principal.role !== 'ADMIN') throw new AccessDenied(`${what} is for ADMIN only`);
  return principal.practiceId;
}

function checkId(id: string, field = 'id'): string {
  if (!UUID.test(id)) throw new BadUserInput(field, 'must be a UUID');
  return id.toLowerCase();
}

function checkUrl(url: string, field = 'input.url'): string {
  let parsed: URL | null = null;
  try {
    parsed = url.length <= 2_000 ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new BadUserInput(field, 'must be an http(s) URL of at most 2000 characters');
  return url;
}

function checkSecret(secret: string, field = 'input.secret'): string {
  if (secret.length < 16 || secret.length > 256 || !/^[\x21-\x7e]+$/.test(secret)) throw new BadUserInput(field, 'must be 16 to 256 printable characters');
  return secret;
}

function checkTypes(types: string[] | null | undefined, field = 'input.eventTypes'): string[] | null {
  if (!types || types.length === 0) return null;
  if (types.length > MAX_EVENT_TYPES) throw new BadUserInput(field, `must list at most ${MAX_EVENT_TYPES} types`);
  const unknown = types.find((t) => !EVENT_TYPES.has(t));
  if (unknown !== undefined) throw new BadUserInput(field, `${JSON.stringify(unknown.slice(0, 100))} is not an event type`);
  return [...new Set(types)];
}

function checkDescription(d: string | null | undefined, field = 'input.description'): string | null {
  if (d == null) return null;
  if (d.length > 500) throw new BadUserInput(field, 'must be at most 500 characters');
  return d;
}

const toModel = (r: WebhookSubscriptionRow): WebhookSubscription & { practiceId: string } => ({
  id: r.id,
  practiceId: r.practice_id,
  url: r.url,
  eventTypes: r.event_types,
  description: r.description,
  active: r.active,
  failing: r.failing,
  createdAt: r.created_at,
  lastDeliveryAt: r.last_delivery_at,
});

const toDelivery = (r: WebhookDeliveryRow): WebhookDelivery => ({
  id: String(r.position),
  eventType: r.event_type,
  streamId: r.stream_id,
  occurredAt: r.occurred_at,
  status: r.status === 'DELIVERED' ? WebhookDeliveryStatus.DELIVERED : r.attempts > 0 ? WebhookDeliveryStatus.RETRYING : WebhookDeliveryStatus.PENDING,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
  nextAttemptAt: r.status === 'DELIVERED' ? null : r.next_attempt_at,
  deliveredAt: r.delivered_at,
});

@Resolver(() => WebhookSubscription)
export class EventWebhooksResolver {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    private readonly store: PostgresEventStore,
  ) {}

  @Query(() => [WebhookSubscription], { description: "ADMIN only: the practice's event webhook subscriptions, oldest first" })
  async webhookSubscriptions(@Context() ctx: RequestContext) {
    const practiceId = admin(ctx, 'webhookSubscriptions');
    return (await subscriptionsOf(ctx.session.asQueryable(), practiceId)).map(toModel);
  }

  @Mutation(() => WebhookSubscription, { description: "ADMIN only: deliver the practice's committed events (from now on) to a URL" })
  async createWebhookSubscription(@Args('input') input: CreateWebhookSubscriptionInput, @Context() ctx: RequestContext) {
    const practiceId = admin(ctx, 'createWebhookSubscription');
    const row = {
      id: randomUUID(),
      practiceId,
      url: checkUrl(input.url),
      secretSealed: this.secrets.encrypt(checkSecret(input.secret)),
      eventTypes: checkTypes(input.eventTypes),
      description: checkDescription(input.description),
    };
    await ctx.release();
    const created = await this.db.transaction(practiceId, (tx) => insertSubscription(tx, row));
    if (!created) throw new BadUserInput('input', `the practice has ${MAX_SUBSCRIPTIONS} webhook subscriptions, the most it may have`);
    return toModel(created);
  }

  @Mutation(() => WebhookSubscription, { description: 'ADMIN only: change, pause or resume a webhook subscription' })
  async updateWebhookSubscription(@Args('input') input: UpdateWebhookSubscriptionInput, @Context() ctx: RequestContext) {
    const practiceId = admin(ctx, 'updateWebhookSubscription');
    const id = checkId(input.id, 'input.id');
    const change = {
      ...(input.url != null ? { url: checkUrl(input.url) } : {}),
      ...(input.secret != null ? { secretSealed: this.secrets.encrypt(checkSecret(input.secret)) } : {}),
      ...(input.eventTypes !== undefined ? { eventTypes: checkTypes(input.eventTypes) } : {}),
      ...(input.description !== undefined ? { description: checkDescription(input.description) } : {}),
      ...(input.active != null ? { active: input.active } : {}),
    };
    await ctx.release();
    const row = await this.db.transaction(practiceId, (tx) => updateSubscription(tx, practiceId, id, change));
    if (!row) throw new ResourceNotFound('WebhookSubscription', id);
    return toModel(row);
  }

  @Mutation(() => Boolean, { description: 'ADMIN only: delete a webhook subscription and its deliveries' })
  async deleteWebhookSubscription(@Args('id', { type: () => ID }) rawId: string, @Context() ctx: RequestContext) {
    const practiceId = admin(ctx, 'deleteWebhookSubscription');
    const id = checkId(rawId);
    await ctx.release();
    const deleted = await this.db.transaction(practiceId, (tx) => deleteSubscription(tx, practiceId, id));
    if (!deleted) throw new ResourceNotFound('WebhookSubscription', id);
    return true;
  }

  @Mutation(() => Int, {
    description: `ADMIN only: queue the practice's events again from a position or an instant (at most ${MAX_REPLAY}), with their original delivery ids; returns how many were queued`,
  })
  async replayWebhookSubscription(@Args() args: ReplayArgs, @Context() ctx: RequestContext) {
    const practiceId = admin(ctx, 'replayWebhookSubscription');
    const id = checkId(args.id);
    if (args.fromPosition == null && args.fromTime == null) throw new BadUserInput('fromPosition', 'give fromPosition or fromTime');
    if (args.fromPosition != null && !/^[1-9][0-9]{0,15}$/.test(args.fromPosition)) throw new BadUserInput('fromPosition', 'must be a delivery id (a whole number from 1)');
    const position = args.fromPosition == null ? null : Number(args.fromPosition);
    await ctx.release();
    return this.db.transaction(practiceId, async (tx) => {
      const sub = (await subscriptionsOf(tx, practiceId, id))[0];
      if (!sub) throw new ResourceNotFound('WebhookSubscription', id);
      return replaySubscription(this.store, tx, practiceId, sub, { position, time: args.fromTime ?? null });
    });
  }

  @ResolveField(() => Int, { description: 'deliveries not yet made' })
  async backlog(@Parent() s: WebhookSubscription, @Context() ctx: RequestContext) {
    const practiceId = ctx.requirePrincipal().practiceId;
    return (await backlogs(ctx.session.asQueryable(), practiceId, [s.id])).get(s.id) ?? 0;
  }

  @ResolveField(() => WebhookDeliveryConnection, { description: 'its deliveries, newest event first' })
  async deliveries(@Parent() s: WebhookSubscription, @Args() args: DeliveriesArgs, @Context() ctx: RequestContext): Promise<WebhookDeliveryConnection> {
    const practiceId = ctx.requirePrincipal().practiceId;
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 0 || first > 200) throw new BadUserInput('first', 'must be a whole number from 0 to 200');
    let before: number | null = null;
    if (args.after) {
      const m = /^d:([1-9][0-9]{0,15})$/.exec(Buffer.from(args.after, 'base64url').toString('utf8'));
      if (!m || args.after.length > 40) throw new BadUserInput('after', 'is not a cursor this list returned');
      before = Number(m[1]);
    }
    const rows = await deliveriesPage(ctx.session.asQueryable(), practiceId, s.id, { first: first + 1, beforePosition: before, status: args.status ?? null });
    const edges = rows.slice(0, first).map((r) => ({ cursor: Buffer.from(`d:${r.position}`).toString('base64url'), node: toDelivery(r) }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

@Module({ providers: [EventWebhooksResolver] })
export class EventWebhooksModule {}
