import { Module } from '@nestjs/common';
import { Args, Context, Field, GraphQLISODateTime, ID, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { PostgresEventStore, readPersonEvents } from '#event-store';
import { GraphQLJSON, MAX_EXPORT_EVENTS, MAX_PERSON_ENGAGEMENTS, TooManyEngagements, personReadModelRows } from '#engagement';
import { AccessAuditTrail, AccessDenied, BadUserInput, accessAuditOfPerson, type RequestContext } from '#platform';
import { remindersOfPerson } from '#reminders';

@ObjectType({ description: 'One stored event of a personal data export, in the shape it was written, personal fields opened ("[erased]" once erased).' })
export class ExportedEvent {
  @Field(() => String, { description: 'its global position' })
  position!: string;

  @Field(() => String, { description: 'its stream (the engagement id for engagement events)' })
  streamId!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String)
  type!: string;

  @Field(() => Int, { description: 'the shape version the data was written with (upcasters read older ones)' })
  schemaVersion!: number;

  @Field(() => GraphQLISODateTime)
  occurredAt!: Date;

  @Field(() => GraphQLJSON, { description: 'the data as stored, personal fields opened' })
  data!: unknown;

  @Field(() => GraphQLJSON, { description: 'actor, role, practice, correlation and causation ids' })
  metadata!: unknown;
}

@ObjectType({ description: 'Everything the practice holds about one person, inline (GDPR access / portability).' })
export class PersonExport {
  @Field(() => ID)
  personId!: string;

  @Field(() => String)
  practiceId!: string;

  @Field(() => GraphQLISODateTime)
  exportedAt!: Date;

  @Field(() => [ID], { description: 'the engagements they coach or are the client of' })
  engagementIds!: string[];

  @Field(() => [ExportedEvent], { description: 'every event of those engagements and every event they made, in log order' })
  events!: ExportedEvent[];

  @Field(() => GraphQLJSON, {
    description: 'the read-model rows about them, by table (engagements, homework, drafts, feedback, coaching_sessions, job_search_stats, reminders, access_audit)',
  })
  readModels!: unknown;
}

@Resolver()
export class PersonExportResolver {
  constructor(private readonly store: PostgresEventStore) {}

  @Query(() => PersonExport, { description: 'ADMIN only: every event and read-model row about one person of the practice, as JSON' })
  async exportPersonData(@Args('personId', { type: () => ID }) personId: string, @Context() ctx: RequestContext): Promise<PersonExport> {
    const principal = ctx.requirePrincipal();
    if (principal.role !== 'ADMIN') throw new AccessDenied('exportPersonData is for ADMIN only');
    if (personId.length === 0 || personId.length > 128) throw new BadUserInput('personId', 'must be 1 to 128 characters');
    const practiceId = principal.practiceId;
    const tx = ctx.session.asQueryable();
    const { engagementIds, rows } = await personReadModelRows(tx, practiceId, personId).catch((err: unknown) => {
      if (err instanceof TooManyEngagements) throw new BadUserInput('personId', `is in more than ${MAX_PERSON_ENGAGEMENTS} engagements: export them with the CLI`);
      throw err;
    });
    const events = await readPersonEvents(this.store, tx, practiceId, engagementIds, personId, MAX_EXPORT_EVENTS + 1);
    if (events.length > MAX_EXPORT_EVENTS) throw new BadUserInput('personId', `has more than ${MAX_EXPORT_EVENTS} events: export them with the CLI`);
    const reminders = await remindersOfPerson(tx, practiceId, personId, engagementIds);
    const accessAudit = await accessAuditOfPerson(tx, practiceId, personId, engagementIds);
    // an export reads the person's engagements: the access audit records it
    for (const id of engagementIds) AccessAuditTrail.of(ctx).note(id, 'Query.exportPersonData');
    return {
      personId,
      practiceId,
      exportedAt: new Date(),
      engagementIds,
      events,
      readModels: { ...rows, reminders, access_audit: accessAudit },
    };
  }
}

@Module({ providers: [PersonExportResolver] })
export class PersonExportModule {}
