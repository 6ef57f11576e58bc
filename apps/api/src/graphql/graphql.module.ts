import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { EngagementGraphqlModule, withPreloadedFields } from '#engagement';
import { AppConfigService, Database, Metrics, RequestContext, TokenService, Unauthenticated } from '#platform';
import { GraphqlErrorFormat } from './error-format.js';
import { ResolverErrorsFilter } from './resolver-errors.filter.js';
import { httpContext } from './graphql-context.js';
import { GRAPHQL_PATH, GraphqlSocketTransport } from './socket-transport.js';
import { GraphqlSecurity } from '../security/graphql-security.js';
import { compiledExecution } from './compiled-executor.js';
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

/** The error mapping and the socket transport need what SecurityModule provides; exported for the GraphQL factory. */
@Module({
  imports: [SecurityModule],
  providers: [GraphqlErrorFormat],
  exports: [SecurityModule, GraphqlErrorFormat],
})
class GraphqlSupportModule {}

@Module({
  imports: [
    EngagementGraphqlModule,
    GraphqlSupportModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [GraphqlSupportModule],
      inject: [AppConfigService, TokenService, Database, GraphqlSecurity, GraphqlErrorFormat, Metrics],
      useFactory: (config: AppConfigService, tokens: TokenService, db: Database, security: GraphqlSecurity, errors: GraphqlErrorFormat, metrics: Metrics): ApolloDriverConfig => {
        const production = config.isProduction;
        let built: GraphQLSchema | undefined;
        return {
          path: GRAPHQL_PATH,
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
          // token limit, depth/alias/directive/field limits, no "Did you mean", the response ceiling (apps/api/src/security)
          ...security.apolloOptions(),
          // HTTP only: the websocket (subscriptions) is GraphqlSocketTransport's, with the same protections
          context: (arg: { req: Parameters<typeof httpContext>[0] }) => httpContext(arg.req, tokens, db).then((ctx) => security.admit(ctx, arg.req)),
          formatError: (formatted, error) => errors.format(formatted, error),
          // plain data a list loaded for its page answers without a resolver per object (#engagement preloaded-fields)
          transformSchema: (schema: GraphQLSchema) => (built = withPreloadedFields(schema)),
          // a document run GRAPHQL_JIT_AFTER times runs on a compiled plan (./compiled-executor.ts); Apollo takes
          // its schema from there (the one built above) and ignores the `schema` Nest passes beside it. Nest's
          // ApolloDriverConfig type leaves out ApolloServer's `gateway` option; the driver hands every option on
          ...{ gateway: compiledExecution(() => built!, config.get('GRAPHQL_JIT_AFTER'), metrics) },
          // no cache hints are used: without the cache-control plugin no plugin watches fields, and
          // Apollo leaves the schema's resolvers unwrapped (a wrapper per resolved field otherwise); inline
          // traces are for federated subgraphs, which this schema is not (Apollo otherwise loads their
          // protobuf code, ~0.4 MB, at start only to find that out)
          plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled(), requestLifecycle(!production), security.plugin()],
        };
      },
    }),
  ],
  // global: every resolver's errors go to the one error mapping unlogged (see the filter)
  providers: [GraphqlSocketTransport, { provide: APP_FILTER, useClass: ResolverErrorsFilter }],
})
export class GraphqlApiModule {}
