import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ResourceNotFound, type RequestContext } from '#platform';
import type { DraftModel, FeedbackModel, HomeworkModel } from '../read/read-models.js';
import { inputs, validate } from './input-validation.js';
import { loaders, noteRead, visibleEngagement } from './request.js';
import { Engagement } from './types/engagement.types.js';
import { Draft, Feedback, Homework, HomeworkByIdArgs } from './types/homework.types.js';
import { pastViewOf } from '../history/past-view.js';

/** A homework if the caller may see its engagement (NOT_FOUND across practices, FORBIDDEN within). */
export async function visibleHomework(ctx: RequestContext, id: string): Promise<HomeworkModel> {
  const homework = await loaders(ctx).homework.load(id);
  if (!homework) throw new ResourceNotFound('Homework', id);
  const engagement = await visibleEngagement(ctx, homework.engagementId);
  noteRead(ctx, engagement, 'Query.homework');
  return homework;
}

@Resolver(() => Homework)
export class HomeworkResolver {
  @Query(() => Homework, { nullable: true })
  homework(@Args() args: HomeworkByIdArgs, @Context() ctx: RequestContext): Promise<HomeworkModel> {
    return visibleHomework(ctx, validate(inputs.id, args.id, 'id'));
  }

  @ResolveField(() => Engagement)
  engagement(@Parent() h: HomeworkModel, @Context() ctx: RequestContext) {
    return pastViewOf(h)?.engagement ?? loaders(ctx).engagement.load(h.engagementId);
  }

  @ResolveField(() => [Draft])
  drafts(@Parent() h: HomeworkModel, @Context() ctx: RequestContext) {
    return pastViewOf(h)?.draftsOf(h.id) ?? loaders(ctx).draftsOfHomework.load(h.id);
  }

  @ResolveField(() => Draft, { nullable: true })
  latestDraft(@Parent() h: HomeworkModel, @Context() ctx: RequestContext) {
    const past = pastViewOf(h);
    if (past) return h.latestDraftId ? past.draft(h.latestDraftId) : null;
    return h.latestDraftId ? loaders(ctx).draft.load(h.latestDraftId) : null;
  }
}

@Resolver(() => Draft)
export class DraftResolver {
  @ResolveField(() => Homework)
  homework(@Parent() d: DraftModel, @Context() ctx: RequestContext) {
    const past = pastViewOf(d);
    return past ? past.homeworkOne(d.homeworkId) : loaders(ctx).homework.load(d.homeworkId);
  }

  @ResolveField(() => Feedback, { nullable: true })
  feedback(@Parent() d: DraftModel, @Context() ctx: RequestContext) {
    const past = pastViewOf(d);
    return past ? past.feedbackOf(d.id) : loaders(ctx).feedbackOfDraft.load(d.id);
  }
}

@Resolver(() => Feedback)
export class FeedbackResolver {
  @ResolveField(() => Draft)
  draft(@Parent() f: FeedbackModel, @Context() ctx: RequestContext) {
    const past = pastViewOf(f);
    return past ? past.draft(f.draftId) : loaders(ctx).draft.load(f.draftId);
  }
}
