import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Logger, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ServerOptions, Context as WsContext } from 'graphql-ws';
import { EngagementGraphqlModule } from '#engagement';
import { AppConfigService, Database, formatError, RequestContext, TokenService, Unauthenticated } from '#platform';
import { httpContext, type SocketExtra } from './graphql-context.js';
import { GraphqlSecurity } from '../security/graphql-security.js';
import { SecurityModule } from '../security/security.module.js';

/** Operations made only of `__schema`, `__type` and `__typename` need no token (GraphiQL, codegen in development). */
function introspectionOnly(operation: { selectionSet: { selections: readonly { kind: string; name?: { value: string } }[] } }): boolean {
  return operation.selectionSet.selections.every((s) => s.kind === 'Field' && s.name!.value.startsWith('__'));
}

/**
 * Refuses unauthenticated operations before any resolver runs, and ends each request's read transaction.
 * Outside production the answer tells how many statements the read session sent (`extensions.sqlStatements`,
 * counted after its COMMIT: BEGIN and set_config, sent in one round trip, count as 2, then every read, then COMMIT).
 */
function requestLifecycle(exposeStatements: boolean): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (contextValue.principal || (operation && introspectionOnly(operation))) return;
          const err = contextValue.authError ?? new Unauthenticated();
          throw new GraphQLError(err.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        },
        async willSendResponse({ contextValue, response }) {
          await contextValue.release();
          if (exposeStatements && response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, sqlStatements: contextValue.readStatements };
          }
        },
      };
    },
  };
}

/** graphql-ws bypasses Apollo: hooks that give its results the same error mapping as HTTP answers. */
function socketErrorFormatting(format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  const hooks: Pick<ServerOptions, 'onNext' | 'onError'> = {
    onNext: (_ctx, _id, _payload, _args, result) =>
      result.errors ? { ...result, errors: result.errors.map((e) => format(e.toJSON(), e)) } : undefined,
    // errors of the request itself (validation) carry no code of their own; a failed stream keeps its original error
    onError: (_ctx, _id, _payload, errors) =>
      errors.map((e) => {
        const formatted = e.toJSON();
        if (e.originalError || formatted.extensions?.code) return format(formatted, e);
        return format({ ...formatted, extensions: { ...formatted.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }, e);
      }),
  };
  return hooks;
}

@Module({
  imports: [
    EngagementGraphqlModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [SecurityModule],
      inject: [AppConfigService, TokenService, Database, GraphqlSecurity],
      useFactory: (config: AppConfigService, tokens: TokenService, db: Database, security: GraphqlSecurity): ApolloDriverConfig => {
        const production = config.isProduction;
        const logger = new Logger('GraphQL');
        const format = (formatted: GraphQLFormattedError, error: unknown) =>
          formatError(formatted, error, {
            exposeUnexpected: config.get('NODE_ENV') === 'development',
            report: (err) => logger.error({ err, path: formatted.path }, 'unexpected error in a GraphQL operation'),
          });
        return {
          path: '/graphql',
          // development and tests write the schema so a diff shows every contract change; production builds it in memory
          autoSchemaFile: production ? true : join(process.cwd(), 'apps/api/schema.gql'),
          sortSchema: true,
          graphiql: config.get('GRAPHQL_PLAYGROUND') ?? !production,
          introspection: !production,
          csrfPrevention: true,
          allowBatchedHttpRequests: false,
          // automatic persisted queries would let anyone fill the server's query cache; clients send the query text
          persistedQueries: false,
          includeStacktraceInErrorResponses: false,
          // token limit, depth/alias/directive/field limits, no "Did you mean" (apps/api/src/security)
          ...security.apolloOptions(),
          // HTTP requests bring { req }; websocket operations bring graphql-ws's context (connectionParams, extra)
          context: (arg: { req?: Parameters<typeof httpContext>[0]; extra?: unknown; connectionParams?: unknown }) =>
            arg.req
              ? httpContext(arg.req, tokens, db).then((ctx) => security.admit(ctx, arg.req!))
              : new RequestContext(db, (arg.extra as SocketExtra | undefined)?.principal ?? null, randomUUID()),
          formatError: format,
          plugins: [requestLifecycle(!production), security.plugin()],
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              ...security.socketOptions(),
              ...socketErrorFormatting(format),
              onConnect: async (ctx: WsContext<Record<string, unknown> | undefined, unknown>) => {
                const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
                try {
                  (ctx.extra as SocketExtra).principal = await tokens.authenticate(typeof auth === 'string' ? auth : undefined);
                  return true;
                } catch {
                  return false;
                }
              },
            },
          },
        };
      },
    }),
  ],
})
export class GraphqlApiModule {}
