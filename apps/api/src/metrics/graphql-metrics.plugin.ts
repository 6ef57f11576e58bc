import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { Plugin } from '@nestjs/apollo';
import type { OperationDefinitionNode } from 'graphql';
import { Metrics } from '#platform';

const MAX_FIELDS_IN_NAME = 3;

/**
 * Times every GraphQL operation over HTTP and counts the errors it answers
 * with, by the code the caller sees (after error mapping). Found by
 * @nestjs/apollo's plugin explorer (the `@Plugin()` provider), so the GraphQL
 * module's own plugin list stays as it is. The `name` label is the
 * operation's root fields (`engagement`, `assignHomework`), not the
 * client-chosen operation name: the schema bounds it, so a client cannot
 * blow up the number of series. Subscriptions over graphql-ws do not pass
 * through Apollo's plugins and are not counted here.
 */
@Plugin()
export class GraphqlMetricsPlugin implements ApolloServerPlugin<BaseContext> {
  constructor(private readonly metrics: Metrics) {}

  async requestDidStart(): Promise<GraphQLRequestListener<BaseContext>> {
    const started = performance.now();
    const metrics = this.metrics;
    return {
      async willSendResponse({ response, operation }) {
        const body = response.body;
        const errors = body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors;
        for (const e of errors ?? []) {
          const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';
          metrics.graphqlErrors.inc({ code });
        }
        const labels = operation ? { type: operation.operation, name: rootFields(operation) } : { type: 'invalid', name: '(none)' };
        metrics.graphqlDuration.observe(labels, (performance.now() - started) / 1000);
      },
    };
  }
}

function rootFields(operation: OperationDefinitionNode): string {
  const names = [
    ...new Set(operation.selectionSet.selections.map((s) => (s.kind === 'Field' ? s.name.value : s.kind === 'FragmentSpread' ? '...' : '...on'))),
  ].sort();
  return names.length > MAX_FIELDS_IN_NAME ? `${names.slice(0, MAX_FIELDS_IN_NAME).join('+')}+more` : names.join('+');
}
