import type { CommandBus } from '@nestjs/cqrs';
import DataLoader from 'dataloader';
import type { StoredEvent } from '#event-store';
import { AccessAuditTrail, AccessDenied, groupBy, ResourceNotFound, type Principal, type ReadSession, type RequestContext } from '#platform';
import type { EngagementEvent } from '../domain/events.js';
import { OPEN_HOMEWORK } from '../domain/types.js';
import type { ProjectedRows } from '../read/engagement-projector.js';
import {
  DRAFT_COLUMNS,
  DRAFT_LEVEL,
  FEEDBACK_COLUMNS,
  FEEDBACK_LEVEL,
  HOMEWORK_COLUMNS,
  HOMEWORK_LEVEL,
  jsonObjectOf,
  modelsFromJson,
  toDraft,
  toEngagement,
  toFeedback,
  toHomework,
  toSession,
  type DraftModel,
  type DraftRow,
  type EngagementModel,
  type EngagementRow,
  type FeedbackModel,
  type FeedbackRow,
  type HomeworkModel,
  type HomeworkRow,
  type JobSearchRow,
  type JsonLevel,
  type SessionModel,
  type SessionRow,
} from '../read/read-models.js';
import type { CommandOrigin, CommandOutcome, EngagementCommandMessage } from '../write/command-executor.js';

// A request's access to the engagement read models: its DataLoaders (one set
// per request, created on first use; a mutation primes them with the rows it
// wrote), who may see an engagement, the access audit's note of an ADMIN's
// read, and who may act; and a mutation's side of the request: who asks
// (the command's origin), its send and its answer.

/** The request's DataLoaders (created on first use, one set per request). */
export function loaders(ctx: RequestContext): EngagementLoaders {
  return ctx.perRequest(EngagementLoaders, () => new EngagementLoaders(ctx.session));
}

/** May this principal see this engagement? ADMIN: the whole practice; COACH: theirs; CLIENT: their own. */
export function canSee(principal: Principal, e: EngagementModel): boolean {
  if (principal.practiceId !== e.practiceId) return false;
  if (principal.role === 'ADMIN') return true;
  if (principal.role === 'COACH') return e.coach.id === principal.id;
  return e.client.id === principal.id;
}

/**
 * The engagement if the caller may see it. Another practice's engagement
 * does not exist for the caller (NOT_FOUND); one of their own practice that
 * is not theirs is FORBIDDEN.
 */
export async function visibleEngagement(ctx: RequestContext, id: string): Promise<EngagementModel> {
  const principal = ctx.requirePrincipal();
  const e = await loaders(ctx).engagement.load(id);
  if (!e || e.practiceId !== principal.practiceId) throw new ResourceNotFound('Engagement', id);
  if (!canSee(principal, e)) throw new AccessDenied('This engagement belongs to another coach or client');
  return e;
}

/**
 * Notes a read of an engagement for the access audit when the reader is
 * neither its coach nor its client (an ADMIN of the practice); written once
 * per request and engagement when the answer is ready.
 */
export function noteRead(ctx: RequestContext, e: EngagementModel, operation: string): void {
  const principal = ctx.principal;
  if (!principal || principal.id === e.coach.id || principal.id === e.client.id) return;
  AccessAuditTrail.of(ctx).note(e.id, operation);
}

export function requireRole(ctx: RequestContext, roles: Principal['role'][], what: string): Principal {
  const principal = ctx.requirePrincipal();
  if (!roles.includes(principal.role)) throw new AccessDenied(`${what} is for ${roles.join(' or ')} only`);
  return principal;
}

/** Who asks, for whom and in which request: the metadata of the events a mutation appends. */
export function originOf(ctx: RequestContext): CommandOrigin {
  const principal = ctx.requirePrincipal();
  return {
    actor: { id: principal.id, role: principal.role },
    practiceId: principal.practiceId,
    correlationId: ctx.requestId,
    causationId: ctx.requestId,
    now: new Date(),
  };
}

/**
 * A mutation's send: the command goes on the bus after the request's read
 * transaction is released (a request never holds two connections); the
 * loaders are primed with the rows it wrote (read-your-writes; a replay reads
 * them afresh). The answer is a read of the engagement like any other: the
 * caller must still be allowed to see it (a replay answers whoever presents
 * the key) and an ADMIN's read is audited.
 */
export async function send(bus: CommandBus, ctx: RequestContext, operation: string, command: EngagementCommandMessage): Promise<CommandOutcome> {
  await ctx.release();
  const outcome = await bus.execute(command);
  if (outcome.projected) loaders(ctx).accept(outcome.projected);
  else loaders(ctx).engagement.clear(outcome.streamId);
  noteRead(ctx, await visibleEngagement(ctx, outcome.streamId), `Mutation.${operation}`);
  return outcome;
}

type DataOf<T extends EngagementEvent['type']> = Extract<EngagementEvent, { type: T }>['data'];

/** The data of the event a mutation is about (its first attempt's, on a replay). */
export function eventOf<T extends EngagementEvent['type']>(outcome: CommandOutcome, type: T): DataOf<T> {
  const event = outcome.events.find((e: StoredEvent) => e.type === type);
  if (!event) throw new Error(`expected a ${type} event in the outcome of ${outcome.streamId}`);
  return event.data as DataOf<T>;
}

const OPEN = OPEN_HOMEWORK.map((s) => `'${s}'`).join(', ');

/** Every homework of the engagements $1, and every draft of those (the list's levels, by its page). */
const HOMEWORK_OF_PAGE = 'SELECT id FROM homework WHERE practice_id = $2 AND engagement_id = ANY($1::uuid[])';
const DRAFTS_OF_PAGE = `SELECT id FROM drafts WHERE practice_id = $2 AND homework_id IN (${HOMEWORK_OF_PAGE})`;

/**
 * The DataLoaders of one request: every nested field of a query costs one
 * statement per level, however many parents asked (no N+1). All reads go
 * through the request's practice-scoped read session.
 */
export class EngagementLoaders {
  readonly now = new Date();

  constructor(private readonly session: ReadSession) {}

  readonly engagement = new DataLoader<string, EngagementModel | null>(async (ids) => {
    const rows = await this.q<EngagementRow>('SELECT * FROM engagements WHERE id = ANY($1::uuid[]) AND practice_id = $2', [ids]);
    const byId = new Map(rows.map((r) => [r.id, toEngagement(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  readonly homework = new DataLoader<string, HomeworkModel | null>(async (ids) => {
    const rows = await this.q<HomeworkRow>(`SELECT ${HOMEWORK_COLUMNS} FROM homework WHERE id = ANY($1::uuid[]) AND practice_id = $2`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, toHomework(r, this.now)]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  readonly homeworkOfEngagement = new DataLoader<string, HomeworkModel[]>((ids) => this.homeworkOfEngagements(ids));

  readonly draft = new DataLoader<string, DraftModel | null>(async (ids) => {
    const rows = await this.q<DraftRow>(`SELECT ${DRAFT_COLUMNS} FROM drafts WHERE id = ANY($1::uuid[]) AND practice_id = $2`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, toDraft(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  readonly draftsOfHomework = new DataLoader<string, DraftModel[]>((ids) => this.draftsOfHomeworks(ids));

  readonly feedbackOfDraft = new DataLoader<string, FeedbackModel | null>((ids) => this.feedbackOfDrafts(ids));

  readonly feedback = new DataLoader<string, FeedbackModel | null>(async (ids) => {
    const rows = await this.q<FeedbackRow>(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE id = ANY($1::uuid[]) AND practice_id = $2`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, toFeedback(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  readonly sessionsOfEngagement = new DataLoader<string, SessionModel[]>(async (ids) => {
    const rows = await this.q<SessionRow>(
      'SELECT * FROM coaching_sessions WHERE engagement_id = ANY($1::uuid[]) AND practice_id = $2 ORDER BY held_at, id',
      [ids],
    );
    return group(ids, rows, (r) => r.engagement_id, toSession);
  });

  readonly jobSearchOfEngagement = new DataLoader<string, JobSearchRow[]>(async (ids) => {
    const rows = await this.q<JobSearchRow & { engagement_id: string }>(
      'SELECT engagement_id, channel, applications, interviews, offers FROM job_search_stats WHERE engagement_id = ANY($1::uuid[]) AND practice_id = $2',
      [ids],
    );
    return group(ids, rows, (r) => r.engagement_id, (r) => r);
  });

  readonly overdueCountOfEngagement = new DataLoader<string, number>(async (ids) => {
    const rows = await this.q<{ engagement_id: string; n: string }>(
      `SELECT engagement_id, count(*) AS n FROM homework
       WHERE engagement_id = ANY($1::uuid[]) AND practice_id = $2 AND due_at < $3 AND status IN (${OPEN})
       GROUP BY engagement_id`,
      [ids, this.now],
    );
    const byId = new Map(rows.map((r) => [r.engagement_id, Number(r.n)]));
    return ids.map((id) => byId.get(id) ?? 0);
  });

  // The batches of the three levels, in one statement each; the loaders above batch with them. A list's
  // preload (engagement.resolver.ts) reads the page's levels below instead: no promise and cache entry
  // per key for ~1,000 objects it attaches to their parents anyway, and only the columns its selection
  // asks for (read-models.ts, columnsOf).

  async homeworkOfEngagements(ids: readonly string[]): Promise<HomeworkModel[][]> {
    const rows = await this.q<HomeworkRow>(
      `SELECT ${HOMEWORK_COLUMNS} FROM homework WHERE engagement_id = ANY($1::uuid[]) AND practice_id = $2 ORDER BY assigned_at, id`,
      [ids],
    );
    return group(ids, rows, (r) => r.engagement_id, (r) => toHomework(r, this.now));
  }

  async draftsOfHomeworks(ids: readonly string[]): Promise<DraftModel[][]> {
    const rows = await this.q<DraftRow>(`SELECT ${DRAFT_COLUMNS} FROM drafts WHERE practice_id = $2 AND homework_id = ANY($1::uuid[]) ORDER BY revision`, [ids]);
    return group(ids, rows, (r) => r.homework_id, toDraft);
  }

  async feedbackOfDrafts(ids: readonly string[]): Promise<(FeedbackModel | null)[]> {
    const rows = await this.q<FeedbackRow>(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE practice_id = $2 AND draft_id = ANY($1::uuid[])`, [ids]);
    const byDraft = new Map(rows.map((r) => [r.draft_id, toFeedback(r)]));
    return ids.map((id) => byDraft.get(id) ?? null);
  }

  // A list's levels (engagement.resolver.ts, the preload), named by its page (the engagements) rather than by
  // the level above: the statements need nothing the level above answers, so the preload sends all three at
  // once (one round trip, read-session.ts), and 50 keys go out instead of ~1,000 ids read back a moment ago.
  // Each level comes back as one JSON value of its models (read-models.ts JsonLevel): one message and one
  // JSON.parse instead of a message, a row object and a model per row.

  /** Every homework of the engagements `page`, by engagement (in `page`'s order), in assignment order. */
  async homeworkOfPage(page: readonly string[], columns: string): Promise<HomeworkModel[][]> {
    const models = await this.levelAsJson<HomeworkModel>(HOMEWORK_LEVEL, columns, 'homework WHERE engagement_id = ANY($1::uuid[]) AND practice_id = $2', 'assigned_at, id', page);
    return group(page, models, (h) => h.engagementId, (h) => h);
  }

  /** Every draft of every homework of the engagements `page`, by homework id, in revision order. */
  async draftsOfPage(page: readonly string[], columns: string): Promise<Map<string, DraftModel[]>> {
    const models = await this.levelAsJson<DraftModel>(DRAFT_LEVEL, columns, `drafts WHERE practice_id = $2 AND homework_id IN (${HOMEWORK_OF_PAGE})`, 'revision', page);
    return groupBy(models, (d) => d.homeworkId);
  }

  /** The feedback on every draft of the engagements `page`, by draft id. */
  async feedbackOfPage(page: readonly string[], columns: string): Promise<Map<string, FeedbackModel>> {
    const models = await this.levelAsJson<FeedbackModel>(FEEDBACK_LEVEL, columns, `feedback WHERE practice_id = $2 AND draft_id IN (${DRAFTS_OF_PAGE})`, null, page);
    return new Map(models.map((f) => [f.draftId, f]));
  }

  private async levelAsJson<M>(level: JsonLevel, columns: string, from: string, orderBy: string | null, page: readonly string[]): Promise<M[]> {
    const order = orderBy ? ` ORDER BY ${orderBy}` : '';
    const [row] = await this.q<{ level: Record<string, unknown>[] }>(`SELECT coalesce(json_agg(${jsonObjectOf(level, columns)}${order}), '[]') AS level FROM ${from}`, [page]);
    return modelsFromJson<M>(level, columns, row!.level, this.now);
  }

  /**
   * Takes the rows a command just wrote as the freshest answer (replacing
   * anything this request read before), so a mutation answers without
   * reading its write back.
   */
  accept(projected: ProjectedRows | undefined): void {
    if (!projected) return;
    for (const [id, r] of projected.engagements) this.engagement.clear(id).prime(id, toEngagement(r));
    for (const [id, r] of projected.homework) this.homework.clear(id).prime(id, toHomework(r, this.now));
    for (const [id, r] of projected.drafts) this.draft.clear(id).prime(id, toDraft(r));
    for (const [id, r] of projected.feedback) this.feedback.clear(id).prime(id, toFeedback(r));
    // lists that contain a written row are stale now
    for (const r of projected.homework.values()) this.homeworkOfEngagement.clear(r.engagement_id);
    for (const r of projected.drafts.values()) this.draftsOfHomework.clear(r.homework_id);
    for (const r of projected.feedback.values()) this.feedbackOfDraft.clear(r.draft_id);
  }

  /** Primes the cache with rows a list query already fetched. */
  prime(engagements: readonly EngagementModel[]): void {
    for (const e of engagements) this.engagement.prime(e.id, e);
  }

  private q<R extends Record<string, unknown>>(sql: string, params: unknown[]): Promise<R[]> {
    // every statement filters by practice too: row-level security is the second lock, not the only one
    const [first, ...rest] = params;
    return this.session.query<R>(sql, [first, this.session.practiceId, ...rest]);
  }
}

function group<R, K, M>(keys: readonly K[], rows: readonly R[], keyOf: (r: R) => K, map: (r: R) => M): M[][] {
  const by = new Map<K, M[]>(keys.map((k) => [k, []]));
  for (const r of rows) by.get(keyOf(r))?.push(map(r));
  return keys.map((k) => by.get(k) ?? []);
}
