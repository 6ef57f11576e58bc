import { ArgsType, Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { Role } from './enums.js';
import { PageInfo } from './pagination.types.js';

// Additions to the contract (listed in test/graphql/schema-contract.int-spec.ts):
// the access audit, ADMIN only.

export const ACCESS_AUDIT_DESCRIPTIONS = {
  query: 'ADMIN only: reads of engagements by someone who is not their coach or client, newest first',
  engagementIdArg: 'only the reads of this engagement',
  firstArg: 'page size, at most 200',
  afterArg: 'the endCursor of the previous page',
  entry: 'One read of an engagement by someone who is neither its coach nor its client (an ADMIN of the practice).',
  edge: 'An access audit entry and its cursor.',
  connection: 'A page of the access audit, newest first.',
} as const;

@ObjectType({ description: ACCESS_AUDIT_DESCRIPTIONS.entry })
export class AccessAuditEntry {
  @Field(() => ID, { description: 'the entry' })
  id!: string;

  @Field(() => ID, { description: 'the engagement that was read' })
  engagementId!: string;

  @Field(() => ID, { description: 'who read it' })
  actorId!: string;

  @Field(() => Role, { description: 'their role when they read it' })
  actorRole!: Role;

  @Field(() => String, { description: 'the root field that read it, e.g. Query.engagement' })
  operation!: string;

  @Field(() => String, { nullable: true, description: "the GraphQL operation's name, as the caller gave it" })
  operationName!: string | null;

  @Field(() => String, { description: "the request's id (X-Request-Id), also the correlation id of its logs" })
  requestId!: string;

  @Field(() => GraphQLISODateTime, { description: 'when it was read' })
  occurredAt!: Date;
}

@ObjectType({ description: ACCESS_AUDIT_DESCRIPTIONS.edge })
export class AccessAuditEdge {
  @Field(() => String, { description: 'pass as `after` to read the entries older than this one' })
  cursor!: string;

  @Field(() => AccessAuditEntry, { description: 'the entry' })
  node!: AccessAuditEntry;
}

@ObjectType({ description: ACCESS_AUDIT_DESCRIPTIONS.connection })
export class AccessAuditConnection {
  @Field(() => [AccessAuditEdge], { description: 'the entries of this page' })
  edges!: AccessAuditEdge[];

  @Field(() => PageInfo, { description: 'whether older entries follow' })
  pageInfo!: PageInfo;
}

/** Arguments of `Query.accessAudit(engagementId: ID, first: Int = 50, after: String)`. */
@ArgsType()
export class AccessAuditArgs {
  @Field(() => ID, { nullable: true, description: ACCESS_AUDIT_DESCRIPTIONS.engagementIdArg })
  engagementId?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 50, description: ACCESS_AUDIT_DESCRIPTIONS.firstArg })
  first: number | null = 50;

  @Field(() => String, { nullable: true, description: ACCESS_AUDIT_DESCRIPTIONS.afterArg })
  after?: string | null;
}
