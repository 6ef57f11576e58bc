import { Module } from '@nestjs/common';
import { Args, Context, Field, GraphQLISODateTime, ID, Int, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { PostgresEventStore, WrongExpectedVersionError } from '#event-store';
import { MAX_PERSON_ENGAGEMENTS, PERSON_ERASED, RuleViolated, TooManyEngagements, engagementsOfPerson, erasureStreamId, refoldEngagements, type PersonErasedData } from '#engagement';
import { AccessAuditTrail, AccessDenied, BadUserInput, Database, ResourceNotFound, streamLock, type RequestContext } from '#platform';
import { eraseReminderRecipient, rewriteEventWebhookBodies } from '#reminders';

// GDPR erasure by crypto-shredding (issue 12, docs/history.md): the person's
// data key is deleted in the transaction that records PersonErased, so every
// sealed field of theirs in the log opens as "[erased]" from then on; the
// read models of their engagements are folded again from that log, and the
// copies of their text outside it (reminder rows, stored webhook bodies) are
// rewritten the same way.

/** At most this long, an erasure's reason (it is kept in the log: it should not name the person). */
export const MAX_REASON = 1_000;

@ObjectType({ description: 'What an erasure did: the record of it is the PersonErased event at `position`.' })
export class ErasureReceipt {
  @Field(() => ID)
  personId!: string;

  @Field(() => String)
  practiceId!: string;

  @Field(() => GraphQLISODateTime)
  erasedAt!: Date;

  @Field(() => ID, { description: 'the ADMIN who erased them' })
  erasedBy!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { description: "the PersonErased event's global position" })
  position!: string;

  @Field(() => Boolean, { description: 'false when nothing of theirs had been sealed yet (no key existed): their later events store "[erased]"' })
  keyDestroyed!: boolean;

  @Field(() => [ID], { description: 'the engagements they coach or are the client of, whose read models now show "[erased]"' })
  engagementIds!: string[];

  @Field(() => Int, { description: 'read-model rows of those engagements written again from the log' })
  readModelRows!: number;

  @Field(() => Int, { description: 'reminder rows addressed to them, rewritten (scheduled ones cancelled)' })
  reminders!: number;

  @Field(() => Int, { description: 'stored event webhook bodies rebuilt with "[erased]" (receivers that already got them are out of reach)' })
  webhookDeliveries!: number;
}

@Resolver()
export class PersonErasureResolver {
  constructor(
    private readonly db: Database,
    private readonly store: PostgresEventStore,
  ) {}

  @Mutation(() => ErasureReceipt, {
    description:
      'ADMIN only: erase a person of the practice (crypto-shredding). Their names, emails and the text by or about them read "[erased]" everywhere from now on; ids, counts, dates, verdicts and versions stay. Errors: NOT_FOUND (the practice does not know them), RULE_VIOLATED PERSON_ALREADY_ERASED.',
  })
  async erasePerson(
    @Args('personId', { type: () => ID }) personId: string,
    @Args('reason', { type: () => String }) reason: string,
    @Context() ctx: RequestContext,
  ): Promise<ErasureReceipt> {
    const principal = ctx.requirePrincipal();
    if (principal.role !== 'ADMIN') throw new AccessDenied('erasePerson is for ADMIN only');
    if (personId.length === 0 || personId.length > 128) throw new BadUserInput('personId', 'must be 1 to 128 characters');
    const why = reason.trim();
    if (why.length === 0 || why.length > MAX_REASON) throw new BadUserInput('reason', `must be 1 to ${MAX_REASON} characters`);
    const practiceId = principal.practiceId;
    await ctx.release();
    const stream = erasureStreamId(practiceId, personId);
    const now = new Date();

    const receipt = await this.db.transaction(
      practiceId,
      async (tx) => {
        const engagementIds = await engagementsOfPerson(tx, practiceId, personId).catch((err: unknown) => {
          if (err instanceof TooManyEngagements) throw new BadUserInput('personId', `is in more than ${MAX_PERSON_ENGAGEMENTS} engagements`);
          throw err;
        });
        // their engagements' writers wait for us (and then seal nothing of theirs but "[erased]")
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k ORDER BY k', [engagementIds.map(streamLock)]);
        const { outcome: key, keyId } = await this.store.sealing.erase(tx, practiceId, personId);
        if (key === 'already') throw new RuleViolated('PERSON_ALREADY_ERASED', `person ${personId} is erased already`);
        if (key === 'none' && engagementIds.length === 0) throw new ResourceNotFound('Person', personId);
        const data: PersonErasedData = { personId, reason: why, erasedBy: principal.id, engagementIds };
        const appended = await this.store
          .append(stream, [{ type: PERSON_ERASED, data, metadata: { actorId: principal.id, actorRole: principal.role, practiceId, correlationId: ctx.requestId, causationId: ctx.requestId, occurredAt: now.toISOString() } }], {
            expectedVersion: 'no_stream',
            tx,
          })
          .catch((err: unknown) => {
            if (err instanceof WrongExpectedVersionError) throw new RuleViolated('PERSON_ALREADY_ERASED', `person ${personId} is erased already`);
            throw err;
          });
        const refolded = await refoldEngagements(tx, this.store, practiceId, engagementIds);
        const reminders = await eraseReminderRecipient(tx, practiceId, personId);
        const webhookDeliveries = await rewriteEventWebhookBodies(tx, practiceId, refolded.events);
        // another request of this process may have loaded the key before we committed: forget it again after
        tx.afterCommit(() => this.store.sealing.forget(practiceId, personId, keyId));
        return {
          personId,
          practiceId,
          erasedAt: now,
          erasedBy: principal.id,
          reason: why,
          position: String(appended.positions[0]),
          keyDestroyed: key === 'erased',
          engagementIds,
          readModelRows: refolded.rows,
          reminders,
          webhookDeliveries,
        };
      },
      { locks: [streamLock(stream)] },
    );
    for (const id of receipt.engagementIds) AccessAuditTrail.of(ctx).note(id, 'Mutation.erasePerson');
    return receipt;
  }
}

@Module({ providers: [PersonErasureResolver] })
export class PersonErasureModule {}
