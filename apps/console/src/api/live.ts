import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql';

/** One websocket per signed-in session, on this origin's /graphql (graphql-ws). */
export function liveClient(token: string): Client {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  return createClient({ url, connectionParams: { authorization: `Bearer ${token}` }, lazy: true, retryAttempts: 5 });
}

export function subscribe<R, V extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentString<R, V>,
  variables: V,
  onData: (data: R) => void,
): () => void {
  return client.subscribe<R>({ query: document.toString(), variables }, {
    next: (result) => {
      if (result.data) onData(result.data as R);
    },
    error: () => undefined,
    complete: () => undefined,
  });
}
