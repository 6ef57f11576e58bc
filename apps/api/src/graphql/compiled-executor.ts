import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { execute, getVariableValues, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Metrics } from '#platform';

/** Documents whose runs are counted, least recently run forgotten first. */
const MAX_COUNTED = 2_000;
/**
 * Plans kept, least recently run dropped first: a large plan is ~70 kB of heap (the
 * engagement with everything below it; 4 ms to compile, this machine), so at most ~14 MB
 * however many distinct documents callers send. A client's documents are a few dozen.
 */
const MAX_PLANS = 200;

/**
 * Queries and mutations over HTTP run on a compiled plan once their document
 * has run `after` times (Mercurius' `jit` option, with graphql-jit): the
 * plan resolves each selection with generated code instead of graphql-js'
 * interpreter, which builds a resolve-info and an arguments object for every
 * field of every object (~2,000 objects in a list of 50 engagements). A
 * document seen fewer times runs through graphql-js (compiling costs more
 * than one run), so a stream of one-off documents costs nothing extra.
 * Apollo's pipeline is unchanged around it (parsing, validation and every
 * plugin: authentication, limits, cost, time budget, audit, the response
 * ceiling); only the execution step is this one, plugged in through Apollo's
 * documented GatewayInterface. `after` 0: graphql-js always.
 *
 * Subscriptions (the websocket) run on graphql-js: graphql-ws executes them.
 */
export function compiledExecution(schemaOf: () => GraphQLSchema, after: number, metrics: Metrics): GatewayInterface {
  const runs = new Map<string, number>();
  /** a document's plan, or null when graphql-jit cannot make one (it stays with graphql-js) */
  const plans = new Map<string, CompiledQuery | null>();
  let listener: GatewaySchemaLoadOrUpdateCallback | null = null;

  const planOf = (rc: Parameters<GatewayExecutor>[0]): CompiledQuery | null => {
    if (after === 0) return null;
    const key = `${rc.queryHash}\u0000${rc.operationName ?? ''}`;
    const known = plans.get(key);
    if (known !== undefined) {
      remember(plans, key, known, MAX_PLANS);
      return known;
    }
    const n = (runs.get(key) ?? 0) + 1;
    if (n <= after) {
      remember(runs, key, n, MAX_COUNTED);
      return null;
    }
    runs.delete(key);
    let plan: CompiledQuery | null = null;
    try {
      const compiled = compileQuery(rc.schema, rc.document, rc.operationName ?? undefined);
      if (isCompiledQuery(compiled)) plan = compiled;
    } catch (err) {
      rc.logger.warn(`graphql-jit could not compile ${rc.operationName ?? 'an operation'}; it stays with graphql-js: ${(err as Error).message}`);
    }
    remember(plans, key, plan, MAX_PLANS);
    return plan;
  };

  const executor: GatewayExecutor = async (rc) => {
    const plan = planOf(rc);
    if (plan) {
      metrics.graphqlExecutions.inc({ executor: 'compiled' });
      // variables are checked by graphql-js first, as the interpreter would (the plan's own check words
      // its refusals differently, and Apollo knows a refused variable as BAD_USER_INPUT only by graphql-js'
      // wording); the plan then reads the same variables
      const variables = rc.request.variables ?? {};
      const checked = getVariableValues(rc.schema, rc.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
      if (checked.errors) return { errors: checked.errors };
      return (await plan.query(undefined, rc.context, variables)) as Awaited<ReturnType<GatewayExecutor>>;
    }
    metrics.graphqlExecutions.inc({ executor: 'interpreted' });
    return (await execute({
      schema: rc.schema,
      document: rc.document,
      operationName: rc.operationName,
      variableValues: rc.request.variables,
      contextValue: rc.context,
    })) as Awaited<ReturnType<GatewayExecutor>>;
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => {
        listener = null;
      };
    },
    async load() {
      // the schema Nest built (with its transforms): the one Apollo validates against
      listener?.({ apiSchema: schemaOf(), coreSupergraphSdl: '' });
      return { executor };
    },
    async stop() {},
  };
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}
