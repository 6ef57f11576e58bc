import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Client } from 'graphql-ws';
import { execute } from '../api/client';
import { liveClient } from '../api/live';
import { ViewerQuery } from '../api/operations';
import type { Role } from '../gql/graphql';
import { tokenExpiry } from './token';

export interface Viewer {
  id: string;
  practiceId: string;
  role: Role;
}

interface SignedIn {
  token: string;
  viewer: Viewer;
  expiresAt: number | null;
  live: Client;
  /** signed in with the identity provider: its end-session URL (RP-initiated logout), else null */
  signOutUrl: string | null;
}

interface SessionValue {
  session: SignedIn | null;
  /** the API refused the token or it reached its expiry: the user is asked to sign in again */
  expired: boolean;
  signIn(token: string, expiresAt?: number | null, signOutUrl?: string | null): Promise<void>;
  /** drops the token; after an OpenID Connect sign-in, also ends the session at the identity provider */
  signOut(): void;
  /** runs a typed operation with the session's token */
  run<R, V>(document: Parameters<typeof execute<R, V>>[0], variables: V): Promise<R>;
}

const SessionContext = createContext<SessionValue | null>(null);

const leavePage = (url: string) => window.location.assign(url);

/**
 * Holds the token in memory only: a reload or a closed tab signs out. `leave` sends the browser
 * to the identity provider's end-session URL on sign-out (tests pass their own).
 */
export function SessionProvider({ children, leave = leavePage }: { children: ReactNode; leave?: (url: string) => void }) {
  const [session, setSession] = useState<SignedIn | null>(null);
  const [expired, setExpired] = useState(false);

  /** the token of the session in force: a refusal of another (an earlier session's late request) is not this one's */
  const current = useRef<string | null>(null);
  const markExpired = useCallback(() => setExpired(true), []);
  const expiredIfCurrent = useCallback((token: string) => () => current.current === token && setExpired(true), []);

  const signIn = useCallback(async (token: string, expiresAt?: number | null, signOutUrl?: string | null) => {
    const { viewer } = await execute(ViewerQuery, {}, token);
    current.current = token;
    setSession((previous) => {
      previous?.live.dispose();
      return { token, viewer, expiresAt: expiresAt ?? tokenExpiry(token), live: liveClient(token), signOutUrl: signOutUrl ?? null };
    });
    setExpired(false);
  }, []);

  const signOut = useCallback(() => {
    // the token goes first, whatever the provider does next
    const endSession = session?.signOutUrl ?? null;
    session?.live.dispose();
    current.current = null;
    setSession(null);
    setExpired(false);
    if (endSession) leave(endSession);
  }, [session, leave]);

  useEffect(() => {
    if (!session?.expiresAt) return;
    const timer = setTimeout(markExpired, Math.max(0, Math.min(session.expiresAt - Date.now(), 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session, markExpired]);

  const run = useCallback(
    <R, V>(document: Parameters<typeof execute<R, V>>[0], variables: V) => {
      if (!session) return Promise.reject(new Error('Not signed in'));
      return execute(document, variables, session.token, expiredIfCurrent(session.token));
    },
    [session, expiredIfCurrent],
  );

  const value = useMemo(() => ({ session, expired, signIn, signOut, run }), [session, expired, signIn, signOut, run]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in session; the pages that use it only render once signed in. */
export function useSignedIn(): SignedIn & Pick<SessionValue, 'run' | 'signOut'> {
  const { session, run, signOut } = useSession();
  if (!session) throw new Error('useSignedIn without a session');
  return { ...session, run, signOut };
}
