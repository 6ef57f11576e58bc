import { AccessAuditTrail, AccessDenied, ResourceNotFound, type Principal, type RequestContext } from '#platform';
import type { CommandOrigin } from '../write/command-executor.js';
import { EngagementLoaders } from '../read/engagement-loaders.js';
import type { EngagementModel } from '../read/read-models.js';

/** The request's DataLoaders (created on first use, one set per request). */
export function loaders(ctx: RequestContext): EngagementLoaders {
  return ctx.perRequest(EngagementLoaders, () => new EngagementLoaders(ctx.session));
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
