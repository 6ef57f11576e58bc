import { Args, Context, Info, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { PostgresEventStore } from '#event-store';
import { BadUserInput, type RequestContext } from '#platform';
import { engagementEventOf } from './timeline.js';
import { listEngagements } from '../read/engagement-queries.js';
import { columnsOf, DRAFT_LEVEL, ENGAGEMENT_LEVEL, FEEDBACK_LEVEL, funnel, HOMEWORK_LEVEL, type EngagementModel } from '../read/read-models.js';
import { inputs, validate } from './input-validation.js';
import { loaders, noteRead, visibleEngagement } from './request.js';
import { attach, fieldsSelectedAt, selectsPlainly } from './preloaded-fields.js';
import { CoachingSession, Engagement, EngagementByIdArgs, EngagementConnection, EngagementsArgs, HomeworkFilterArgs, TimelineArgs } from './types/engagement.types.js';
import { Homework } from './types/homework.types.js';
import { JobSearchFunnel } from './types/job-search.types.js';
import { EngagementFilter } from './types/inputs.js';
import { Viewer } from './types/person.types.js';
import { EngagementEventConnection } from './types/timeline.types.js';
import { ChangesArgs, FieldChange } from './types/history.types.js';
import { pastViewOf } from '../history/past-view.js';
import { changesOf, pastEngagement, pastPointOf } from '../history/history-reads.js';

@Resolver(() => Engagement)
export class EngagementResolver {
  constructor(private readonly store: PostgresEventStore) {}

  @Query(() => Viewer)
  viewer(@Context() ctx: RequestContext): Viewer {
    const p = ctx.requirePrincipal();
    return { id: p.id, role: p.role, practiceId: p.practiceId };
  }

  @Query(() => Engagement, { nullable: true })
  async engagement(@Args() args: EngagementByIdArgs, @Context() ctx: RequestContext): Promise<EngagementModel | null> {
    const id = validate(inputs.id, args.id, 'id');
    const point = pastPointOf(args);
    // a past view is authorized as the live engagement is (NOT_FOUND across practices, FORBIDDEN within)
    const engagement = await visibleEngagement(ctx, id);
    noteRead(ctx, engagement, 'Query.engagement');
    return point ? pastEngagement(this.store, ctx, engagement, point) : engagement;
  }

  @Query(() => EngagementConnection)
  async engagements(@Args() args: EngagementsArgs, @Context() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    const principal = ctx.requirePrincipal();
    const first = validate(inputs.pageSize, args.first ?? 20, 'first');
    const filter = validate(EngagementFilter.schema, args.filter ?? {}, 'filter');
    const columns = columnsOf(ENGAGEMENT_LEVEL, fieldsSelectedAt(info, ['edges', 'node']));
    const page = await listEngagements(ctx.session, principal, filter, first, args.after ?? null, new Date(), columns);
    // only whole rows stand for the engagement anywhere else in the request (e.g. `homework { engagement { … } }`)
    if (columns === ENGAGEMENT_LEVEL.all) loaders(ctx).prime(page.nodes);
    for (const node of page.nodes) noteRead(ctx, node, 'Query.engagements');
    await preloadPlainData(ctx, info, page.nodes);
    return {
      edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i]! })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors.at(-1) ?? null },
      countTotal: page.totalCount,
    };
  }

  @ResolveField(() => [Homework])
  async homework(@Parent() e: EngagementModel, @Args() args: HomeworkFilterArgs, @Context() ctx: RequestContext) {
    const all = pastViewOf(e)?.homework ?? (await loaders(ctx).homeworkOfEngagement.load(e.id));
    return args.status?.length ? all.filter((h) => args.status!.includes(h.status)) : all;
  }

  @ResolveField(() => [CoachingSession])
  sessions(@Parent() e: EngagementModel, @Context() ctx: RequestContext) {
    return pastViewOf(e)?.sessions ?? loaders(ctx).sessionsOfEngagement.load(e.id);
  }

  @ResolveField(() => JobSearchFunnel)
  async jobSearch(@Parent() e: EngagementModel, @Context() ctx: RequestContext) {
    return funnel(pastViewOf(e)?.jobSearch ?? (await loaders(ctx).jobSearchOfEngagement.load(e.id)));
  }

  @ResolveField(() => Int)
  overdueHomeworkCount(@Parent() e: EngagementModel, @Context() ctx: RequestContext) {
    return pastViewOf(e)?.overdueCount ?? loaders(ctx).overdueCountOfEngagement.load(e.id);
  }

  @ResolveField(() => [FieldChange], {
    description: 'what changed between two versions, event by event (at most 1000 versions apart): e.g. what the client changed since the feedback',
  })
  changes(@Parent() e: EngagementModel, @Args() args: ChangesArgs, @Context() ctx: RequestContext) {
    return changesOf(this.store, ctx, e, args);
  }

  @ResolveField(() => EngagementEventConnection)
  async timeline(@Parent() e: EngagementModel, @Args() args: TimelineArgs, @Context() ctx: RequestContext) {
    const first = validate(inputs.pageSize, args.first ?? 50, 'first');
    const afterVersion = args.after ? decodeTimelineCursor(args.after) : 0;
    const past = pastViewOf(e);
    // a past view's timeline ends at its version
    const tx = ctx.session.asQueryable();
    let events;
    if (!past) events = await this.store.readStream(e.id, { fromVersion: afterVersion + 1, maxCount: first + 1, tx, practiceId: e.practiceId });
    else {
      // a past view from a snapshot holds the events after it: the ones before come from the log
      const early =
        afterVersion < past.fromVersion ? await this.store.readStream(e.id, { fromVersion: afterVersion + 1, maxCount: Math.min(first + 1, past.fromVersion - afterVersion), tx, practiceId: e.practiceId }) : [];
      events = [...early, ...past.events.filter((ev) => ev.version > afterVersion)].slice(0, first + 1);
    }
    const page = events.slice(0, first).filter((ev) => ev.metadata.practiceId === e.practiceId);
    const edges = page.map((ev) => ({ cursor: encodeTimelineCursor(ev.version), node: engagementEventOf(ev) }));
    return { edges, pageInfo: { hasNextPage: events.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

function encodeTimelineCursor(version: number): string {
  return Buffer.from(`v:${version}`).toString('base64url');
}

function decodeTimelineCursor(cursor: string): number {
  const m = /^v:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || cursor.length > 40) throw new BadUserInput('after', 'is not a cursor this timeline returned');
  return Number(m[1]);
}

/** totalCount costs a count query: it runs only when the query asks for it. */
@Resolver(() => EngagementConnection)
export class EngagementConnectionResolver {
  @ResolveField(() => Int)
  totalCount(@Parent() connection: { countTotal: () => Promise<number> }) {
    return connection.countTotal();
  }
}

/**
 * homework → drafts → feedback of a page, each level in one statement (as the
 * field resolvers would), all three sent at once (they are named by the page,
 * not by the level above) and attached to their parents, so the plain data
 * below the page resolves without a resolver per object. Each level reads
 * only the columns its selection asks for (every column when a fragment hides
 * what is asked).
 */
async function preloadPlainData(ctx: RequestContext, info: GraphQLResolveInfo, nodes: readonly EngagementModel[]): Promise<void> {
  const path = ['edges', 'node', 'homework'];
  if (nodes.length === 0 || !selectsPlainly(info, path)) return;
  const draftsPath = [...path, 'drafts'];
  const feedbackPath = [...draftsPath, 'feedback'];
  const withDrafts = selectsPlainly(info, draftsPath);
  const withFeedback = withDrafts && selectsPlainly(info, feedbackPath);
  const l = loaders(ctx);
  const page = nodes.map((n) => n.id);
  const [homework, drafts, feedback] = await Promise.all([
    l.homeworkOfPage(page, columnsOf(HOMEWORK_LEVEL, fieldsSelectedAt(info, path))),
    withDrafts ? l.draftsOfPage(page, columnsOf(DRAFT_LEVEL, fieldsSelectedAt(info, draftsPath))) : null,
    withFeedback ? l.feedbackOfPage(page, columnsOf(FEEDBACK_LEVEL, fieldsSelectedAt(info, feedbackPath))) : null,
  ]);
  homework.forEach((list, i) => {
    attach(nodes[i]!, 'homework', list);
    if (!drafts) return;
    for (const h of list) {
      const ofHomework = drafts.get(h.id) ?? [];
      attach(h, 'drafts', ofHomework);
      if (feedback) for (const d of ofHomework) attach(d, 'feedback', feedback.get(d.id) ?? null);
    }
  });
}
