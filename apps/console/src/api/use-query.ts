import { useCallback, useEffect, useRef, useState } from 'react';
import type { TypedDocumentString } from '../gql/graphql';
import { useSignedIn } from '../auth/session';
import { ConsoleError } from './errors';

export interface QueryState<R> {
  data: R | null;
  error: ConsoleError | null;
  loading: boolean;
  refetch: () => Promise<void>;
}

/**
 * Runs a query when its variables change; `refetch` keeps the shown data while it reloads.
 * Null variables: nothing is asked (yet), and nothing is shown.
 */
export function useQuery<R, V>(document: TypedDocumentString<R, V>, variables: V | null): QueryState<R> {
  const { run } = useSignedIn();
  const key = variables === null ? null : JSON.stringify(variables);
  const [state, setState] = useState<{ data: R | null; error: ConsoleError | null; loading: boolean }>({ data: null, error: null, loading: key !== null });
  const latest = useRef(0);

  const load = useCallback(async () => {
    const call = ++latest.current;
    if (key === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await run(document, JSON.parse(key) as V);
      if (call === latest.current) setState({ data, error: null, loading: false });
    } catch (err) {
      const error = err instanceof ConsoleError ? err : new ConsoleError('internal', String(err));
      if (call === latest.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [run, document, key]);

  useEffect(() => {
    void load();
  }, [load]);

  return { ...state, refetch: load };
}
