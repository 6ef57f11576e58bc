import type { TypedDocumentString } from '../gql/graphql';
import { ConsoleError, describeError, type GraphqlErrorShape } from './errors';

/** Called when the API says the token is no longer good (expired, revoked): the session asks to sign in again. */
export type OnUnauthenticated = () => void;

/** POSTs one operation to /graphql on this origin with the bearer token; typed by the generated document. */
export async function execute<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  token: string,
  onUnauthenticated?: OnUnauthenticated,
): Promise<R> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new ConsoleError('network', 'The service cannot be reached. Check your connection and try again.');
  }
  let body: { data?: R | null; errors?: GraphqlErrorShape[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ConsoleError('internal', `The service answered ${response.status} without a GraphQL answer.`);
  }
  if (body.errors?.length) {
    const error = describeError(body.errors[0]!);
    if (error.kind === 'unauthenticated') onUnauthenticated?.();
    throw error;
  }
  if (!body.data) throw new ConsoleError('internal', 'The service sent an empty answer.');
  return body.data;
}
