import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { AccessAuditLog, BadUserInput, type RequestContext } from '#platform';
import { inputs, validate } from './input-validation.js';
import { requireRole } from './request.js';
import { ACCESS_AUDIT_DESCRIPTIONS, AccessAuditArgs, AccessAuditConnection } from './types/access-audit.types.js';

/**
 * The access audit: who read which engagement without being its coach or
 * client. Recorded by the engagement queries (`noteRead`), listed here.
 */
@Resolver()
export class AccessAuditResolver {
  constructor(private readonly audit: AccessAuditLog) {}

  @Query(() => AccessAuditConnection, { description: ACCESS_AUDIT_DESCRIPTIONS.query })
  async accessAudit(@Args() args: AccessAuditArgs, @Context() ctx: RequestContext) {
    requireRole(ctx, ['ADMIN'], 'accessAudit');
    const first = validate(inputs.pageSize, args.first ?? 50, 'first');
    const engagementId = args.engagementId == null ? null : validate(inputs.id, args.engagementId, 'engagementId');
    const before = args.after ? decodeAuditCursor(args.after) : null;
    const page = await this.audit.list(ctx.session, engagementId, first, before);
    const edges = page.rows.map((node) => ({ cursor: encodeAuditCursor(node.id), node }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

function encodeAuditCursor(id: string): string {
  return Buffer.from(`a:${id}`).toString('base64url');
}

function decodeAuditCursor(cursor: string): string {
  const m = cursor.length <= 40 ? /^a:([1-9]\d{0,17})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  if (!m) throw new BadUserInput('after', 'is not a cursor this audit returned');
  return m[1]!;
}
