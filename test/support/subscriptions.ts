import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { Caller, TestApi } from './api.js';

/** One live GraphQL subscription: everything it received, how it ended. */
export interface LiveSubscription<T = Record<string, unknown>> {
  readonly results: FormattedExecutionResult<T, unknown>[];
  /** what ended it with an error (a CloseEvent when the server refused the connection) */
  readonly error: unknown;
  readonly completed: boolean;
  unsubscribe(): void;
}

/** A graphql-ws client over a real websocket, authenticated as `caller` (or with a raw value, or nothing). */
export async function wsClient(api: TestApi, as: Caller | { authorization: string } | null): Promise<Client> {
  const authorization = as === null ? null : 'authorization' in as ? as.authorization : `Bearer ${await api.token(as)}`;
  return createClient({
    url: api.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: authorization === null ? undefined : { authorization },
    retryAttempts: 0,
    lazy: true,
  });
}

export function subscribe<T = Record<string, unknown>>(client: Client, query: string, variables: Record<string, unknown>): LiveSubscription<T> {
  const state = {
    results: [] as FormattedExecutionResult<T, unknown>[],
    error: undefined as unknown,
    completed: false,
    unsubscribe: () => undefined as void,
  };
  state.unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => void state.results.push(value),
      error: (err) => {
        state.error = err;
        state.completed = true;
      },
      complete: () => {
        state.completed = true;
      },
    },
  );
  return state;
}
