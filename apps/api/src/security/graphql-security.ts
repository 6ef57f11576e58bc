import type { IncomingMessage } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { AccessAuditLog, AppConfigService, type RequestContext } from '#platform';
import { inputViolation, type InputLimits } from './input-limits.js';
import { operationCost } from './operation-cost.js';
import { shapeLimitsRule, type ShapeLimits } from './operation-limits.js';
import { RateLimiter, type RateLimitSubject } from './rate-limiter.js';

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

/** What an operation's checks need once it is parsed, validated and its variables are known. */
export interface OperationToCheck {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
}

/** A time budget: no statement starts after `at`, none runs past it. */
export type Budget = { at: number; budgetMs: number };

/**
 * Everything the GraphQL endpoint does to refuse hostile requests cheaply,
 * one function per protection, called by both transports: HTTP (Apollo, the
 * options and plugin below) and the websocket (socket-transport.ts):
 * - rate limit, before anything is parsed (`rateLimit`);
 * - parse: at most GRAPHQL_MAX_TOKENS tokens (`parseOptions`, graphql-js stops there);
 * - validation: depth, aliases, directives, field selections, string literals
 *   (`validationRules`), suggestions hidden ("Did you mean" reveals the schema);
 * - once the operation and its variables are known, before execution: input
 *   bounds on the variables, then the cost estimate (`checkOperation`);
 * - execution: a query's (or a subscription's set-up) reads stop at GRAPHQL_TIMEOUT_MS (`budget`);
 * - the answer: at most GRAPHQL_MAX_RESPONSE_BYTES (`serialize`, `bounded`).
 * Batched requests, CSRF and introspection are Apollo's own (see graphql.module.ts).
 * GRAPHQL_LIMITS=off and RATE_LIMIT=off turn them off, for measuring only.
 */
@Injectable()
export class GraphqlSecurity {
  private readonly logger = new Logger('GraphqlSecurity');
  readonly limitsOn: boolean;
  readonly introspection: boolean;
  private readonly shape: ShapeLimits;
  private readonly input: InputLimits;
  private readonly maxCost: number;
  private readonly maxTokens: number;
  private readonly timeoutMs: number;
  readonly maxResponseBytes: number;

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
    this.maxResponseBytes = config.get('GRAPHQL_MAX_RESPONSE_BYTES');
  }

  /** graphql-js parse options: the token limit. */
  parseOptions(): { maxTokens?: number } {
    return this.limitsOn ? { maxTokens: this.maxTokens } : {};
  }

  /** Validation rules beyond graphql-js' own: the shape limits. */
  validationRules(): ValidationRule[] {
    return this.limitsOn ? [shapeLimitsRule(this.shape, this.introspection)] : [];
  }

  /** Apollo options: token limit, validation rules, no schema details in errors, the response ceiling. */
  apolloOptions(): {
    parseOptions: { maxTokens?: number };
    validationRules: ValidationRule[];
    hideSchemaDetailsFromClientErrors: boolean;
    stringifyResult: (value: FormattedExecutionResult) => string;
  } {
    return {
      parseOptions: this.parseOptions(),
      validationRules: this.validationRules(),
      hideSchemaDetailsFromClientErrors: true,
      stringifyResult: (value) => this.serialize(value),
    };
  }

  /** Input bounds on the variables, then the cost estimate: a refusal (BAD_USER_INPUT, `extensions.limit`) is thrown. */
  checkOperation({ schema, document, operation, variables }: OperationToCheck): void {
    if (!this.limitsOn) return;
    const violation = inputViolation(variables, this.input);
    if (violation) throw refusal(violation.limit, `Variable ${violation.path} ${violation.message}`, violation.path);
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const cost = operationCost(schema, operation, fragments, variables, this.introspection);
    if (cost > this.maxCost) {
      throw refusal('cost', `The operation would cost about ${Math.round(cost)}; the limit is ${this.maxCost} (ask for smaller pages or fewer nested lists)`);
    }
  }

  /**
   * The time budget of an operation's reads: a query's, and a subscription's
   * set-up (a live stream itself has no end); a mutation is never cut off
   * between its write and its answer.
   */
  budget(operation: OperationTypeNode): Budget | null {
    if (!this.limitsOn || operation === OperationTypeNode.MUTATION) return null;
    return { at: Date.now() + this.timeoutMs, budgetMs: this.timeoutMs };
  }

  /** Counts a request against its principal (or address); RATE_LIMITED (HTTP 429, Retry-After) when past the limit. */
  async rateLimit(subject: RateLimitSubject): Promise<void> {
    if (!this.limiter.enabled) return;
    const decision = await this.limiter.check(subject);
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new GraphQLError(`Too many requests; retry in ${seconds} s`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: seconds,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) },
      },
    });
  }

  /** Admits an HTTP request under the rate limit, or refuses it with RATE_LIMITED before anything is parsed. */
  async admit(ctx: RequestContext, req: IncomingMessage & { ip?: string }): Promise<RequestContext> {
    await this.rateLimit(ctx.principal ? { principal: ctx.principal } : { ip: req.ip ?? req.socket.remoteAddress ?? 'unknown' });
    return ctx;
  }

  /**
   * An answer as JSON, or, past GRAPHQL_MAX_RESPONSE_BYTES, a BAD_USER_INPUT
   * `responseSize` error in its place (one serialisation either way). Apollo's `stringifyResult`.
   */
  serialize(value: FormattedExecutionResult): string {
    const measured = this.measure(value);
    return `${measured.fits ? measured.text : JSON.stringify(this.tooLarge(measured.bytes))}\n`;
  }

  /** The websocket's side of `serialize`: the result itself, or the responseSize error in its place. */
  bounded(value: FormattedExecutionResult): FormattedExecutionResult {
    const measured = this.measure(value);
    return measured.fits ? value : this.tooLarge(measured.bytes);
  }

  private measure(value: FormattedExecutionResult): { text: string; fits: true } | { fits: false; bytes: number | null } {
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      if (err instanceof RangeError) return { fits: false, bytes: null }; // longer than a string can be
      throw err;
    }
    // a UTF-16 unit is at most 3 bytes of UTF-8: most answers need no byte count
    if (text.length * 3 <= this.maxResponseBytes) return { text, fits: true };
    const bytes = Buffer.byteLength(text);
    return bytes <= this.maxResponseBytes ? { text, fits: true } : { fits: false, bytes };
  }

  private tooLarge(bytes: number | null): FormattedExecutionResult {
    this.logger.warn({ bytes, limit: this.maxResponseBytes }, 'answer past GRAPHQL_MAX_RESPONSE_BYTES replaced by an error');
    const size = bytes === null ? 'more bytes than a string holds' : `${bytes} bytes`;
    return {
      data: null,
      errors: [
        {
          message: `The answer would be ${size}; the limit is ${this.maxResponseBytes} (ask for fewer fields, smaller pages or fewer nested lists)`,
          extensions: { code: 'BAD_USER_INPUT', limit: 'responseSize' },
        },
      ],
    };
  }

  /** The request-lifecycle half: input bounds, cost, time budget, the execution count and the access audit's flush. */
  plugin(): ApolloServerPlugin<RequestContext> {
    const security = this;
    return {
      async requestDidStart() {
        return {
          async didResolveOperation({ request, document, operation, schema, contextValue }) {
            if (!operation) return;
            security.checkOperation({ schema, document, operation, variables: request.variables });
            contextValue.deadline = security.budget(operation.operation);
          },
          async willSendResponse({ contextValue, operationName, response }) {
            if (response.body.kind !== 'single' || 'data' in response.body.singleResult) security.counter.executions += 1;
            // the read transaction first: a request never holds two connections at once
            await contextValue.release();
            await security.flushAudit(contextValue, operationName ?? null);
          },
        };
      },
    };
  }

  /** Writes the operation's access audit (never fails the answer: a failure is logged). */
  async flushAudit(ctx: RequestContext, operationName: string | null): Promise<void> {
    await this.audit.flush(ctx, operationName).catch((err: unknown) => this.logger.error({ err }, 'access audit flush failed'));
  }
}
