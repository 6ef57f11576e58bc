import type { IncomingMessage } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { AccessAuditLog, AppConfigService, type Principal, type RequestContext } from '#platform';
import { inputViolation, type InputLimits } from './input-limits.js';
import { operationCost } from './operation-cost.js';
import { shapeLimitsRule, type ShapeLimits } from './operation-limits.js';
import { RateLimiter } from './rate-limiter.js';

/** subscriptions one websocket may hold at once (a client watching a practice's engagements needs a handful) */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 50;

/**
 * Operations whose resolvers ran: graphql-js puts `data` in a result only
 * once it has started executing the operation's fields, and every HTTP
 * operation's result passes here. (An operation refused while parsing,
 * validating, checking its limits or coercing its variables has no `data`.)
 * The hostile-input tests read it to prove a refused request ran nothing.
 */
@Injectable()
export class ExecutionCounter {
  executions = 0;
}

/** A request the limits refuse after validation: BAD_USER_INPUT, HTTP 400, which limit, and the field if any. */
function refusal(limit: string, message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', limit, ...(field ? { field } : {}), http: { status: 400, headers: new HeaderMap() } },
  });
}

/**
 * Everything the GraphQL endpoint does to refuse hostile requests cheaply,
 * as pieces of the Apollo configuration (graphql.module.ts):
 * - parse: at most GRAPHQL_MAX_TOKENS tokens (graphql-js stops there);
 * - validation: depth, aliases, directives, field selections, string literals
 *   (shapeLimitsRule), suggestions hidden ("Did you mean" reveals the schema);
 * - once the operation and its variables are known, before execution: input
 *   bounds on the variables, then the cost estimate;
 * - execution: a query's reads stop at GRAPHQL_TIMEOUT_MS;
 * - context creation (before parsing): the per-principal rate limit.
 * Batched requests, CSRF and introspection are Apollo's own (see graphql.module.ts).
 * GRAPHQL_LIMITS=off and RATE_LIMIT=off turn them off, for measuring only.
 */
@Injectable()
export class GraphqlSecurity {
  private readonly logger = new Logger('GraphqlSecurity');
  readonly limitsOn: boolean;
  private readonly introspection: boolean;
  private readonly shape: ShapeLimits;
  private readonly input: InputLimits;
  private readonly maxCost: number;
  private readonly maxTokens: number;
  private readonly timeoutMs: number;

  constructor(
    config: AppConfigService,
    private readonly limiter: RateLimiter,
    private readonly counter: ExecutionCounter,
    private readonly audit: AccessAuditLog,
  ) {
    this.limitsOn = config.get('GRAPHQL_LIMITS');
    this.introspection = !config.isProduction;
    this.shape = {
      maxDepth: config.get('GRAPHQL_MAX_DEPTH'),
      maxAliases: config.get('GRAPHQL_MAX_ALIASES'),
      maxDirectives: config.get('GRAPHQL_MAX_DIRECTIVES'),
      maxFields: config.get('GRAPHQL_MAX_FIELDS'),
      maxStringLength: config.get('GRAPHQL_MAX_STRING_LENGTH'),
    };
    this.input = {
      maxDepth: config.get('GRAPHQL_MAX_INPUT_DEPTH'),
      maxStringLength: config.get('GRAPHQL_MAX_STRING_LENGTH'),
      maxListLength: config.get('GRAPHQL_MAX_LIST_LENGTH'),
    };
    this.maxCost = config.get('GRAPHQL_MAX_COST');
    this.maxTokens = config.get('GRAPHQL_MAX_TOKENS');
    this.timeoutMs = config.get('GRAPHQL_TIMEOUT_MS');
  }

  /** Apollo options: token limit, validation rules, no schema details in errors. */
  apolloOptions(): { parseOptions: { maxTokens?: number }; validationRules: ValidationRule[]; hideSchemaDetailsFromClientErrors: boolean } {
    return {
      parseOptions: this.limitsOn ? { maxTokens: this.maxTokens } : {},
      validationRules: this.limitsOn ? [shapeLimitsRule(this.shape, this.introspection)] : [],
      hideSchemaDetailsFromClientErrors: true,
    };
  }

  /**
   * graphql-ws does not go through Apollo: its operations get the same
   * validation rules (and no introspection in production) through `validate`.
   * (Nest's config type leaves `validate` out; graphql-ws takes it.)
   */
  /**
   * Websocket operations get what HTTP ones do: the same validation rules, and
   * each subscribe message counts against its principal's rate limit. A socket
   * holds at most MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions at once.
   */
  socketOptions(): Pick<ServerOptions, 'validate' | 'onSubscribe'> {
    const rules = [...specifiedRules, ...this.apolloOptions().validationRules];
    if (!this.introspection) rules.push(NoSchemaIntrospectionCustomRule);
    return {
      validate: (schema: GraphQLSchema, document: DocumentNode) => validate(schema, document, rules),
      onSubscribe: async (ctx) => {
        // graphql-ws has registered this one already: the count includes it
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [
            new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection; end one first`, {
              extensions: { code: 'BAD_USER_INPUT', limit: 'subscriptions' },
            }),
          ];
        }
        const principal = (ctx.extra as { principal?: Principal | null }).principal;
        if (!this.limiter.enabled || !principal) return undefined;
        const decision = await this.limiter.check({ principal });
        if (decision.allowed) return undefined;
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        return [new GraphQLError(`Too many requests; retry in ${seconds} s`, { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds } })];
      },
    };
  }

  /**
   * Admits an HTTP request under the rate limit, or refuses it with
   * RATE_LIMITED (HTTP 429, Retry-After) before anything is parsed.
   */
  async admit(ctx: RequestContext, req: IncomingMessage & { ip?: string }): Promise<RequestContext> {
    if (!this.limiter.enabled) return ctx;
    const subject = ctx.principal ? { principal: ctx.principal } : { ip: req.ip ?? req.socket.remoteAddress ?? 'unknown' };
    const decision = await this.limiter.check(subject);
    if (decision.allowed) return ctx;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new GraphQLError(`Too many requests; retry in ${seconds} s`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: seconds,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) },
      },
    });
  }

  /** The request-lifecycle half: input bounds, cost, time budget, the execution count and the access audit's flush. */
  plugin(): ApolloServerPlugin<RequestContext> {
    const security = this;
    return {
      async requestDidStart() {
        return {
          async didResolveOperation({ request, document, operation, schema, contextValue }) {
            if (!security.limitsOn || !operation) return;
            const violation = inputViolation(request.variables, security.input);
            if (violation) throw refusal(violation.limit, `Variable ${violation.path} ${violation.message}`, violation.path);
            const fragments: Record<string, FragmentDefinitionNode> = {};
            for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
            const cost = operationCost(schema, operation, fragments, request.variables, security.introspection);
            if (cost > security.maxCost) {
              throw refusal('cost', `The operation would cost about ${Math.round(cost)}; the limit is ${security.maxCost} (ask for smaller pages or fewer nested lists)`);
            }
            if (operation.operation === 'query') contextValue.deadline = { at: Date.now() + security.timeoutMs, budgetMs: security.timeoutMs };
          },
          async willSendResponse({ contextValue, operationName, response }) {
            if (response.body.kind !== 'single' || 'data' in response.body.singleResult) security.counter.executions += 1;
            // the read transaction first: a request never holds two connections at once
            await contextValue.release();
            await security.audit.flush(contextValue, operationName ?? null).catch((err: unknown) => security.logger.error({ err }, 'access audit flush failed'));
          },
        };
      },
    };
  }
}
