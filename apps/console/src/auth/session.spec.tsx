import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { SessionProvider, useSession } from './session';
import { ViewerQuery } from '../api/operations';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// the API as the console sees it: one answer per request, recorded
const sent: { authorization: string | null; body: string }[] = [];
let answer: unknown;
globalThis.fetch = (async (_url: string, init: RequestInit) => {
  sent.push({ authorization: (init.headers as Record<string, string>).authorization ?? null, body: String(init.body) });
  // jsdom has no Response: what the client reads of one
  return { status: 200, json: async () => answer } as Response;
}) as unknown as typeof fetch;

let state: ReturnType<typeof useSession>;
function Probe() {
  state = useSession();
  return null;
}

let container: HTMLDivElement;
let root: Root;
const left: string[] = [];
beforeEach(() => {
  sent.length = 0;
  left.length = 0;
  container = document.createElement('div');
  root = createRoot(container);
  act(() => root.render(<SessionProvider leave={(url) => left.push(url)}><Probe /></SessionProvider>));
});
afterEach(() => act(() => root.unmount()));

it('keeps the token in memory after the API confirmed who it is', async () => {
  answer = { data: { viewer: { id: 'coach-mark', practiceId: 'demo-practice', role: 'COACH' } } };
  await act(() => state.signIn('a.b.c', null));
  expect(state.session?.viewer).toEqual({ id: 'coach-mark', practiceId: 'demo-practice', role: 'COACH' });
  expect(sent[0]!.authorization).toBe('Bearer a.b.c');
  expect(localStorage.length + sessionStorage.length).toBe(0);
});

it('asks to sign in again when the API refuses the token, instead of failing silently', async () => {
  answer = { data: { viewer: { id: 'client-it', practiceId: 'demo-practice', role: 'CLIENT' } } };
  await act(() => state.signIn('a.b.c', null));
  answer = { data: null, errors: [{ message: 'Token expired', extensions: { code: 'UNAUTHENTICATED' } }] };
  await act(async () => {
    await expect(state.run(ViewerQuery, {})).rejects.toThrow('Your session has ended. Please sign in again.');
  });
  expect(state.expired).toBe(true);
  act(() => state.signOut());
  expect(state.session).toBeNull();
  expect(state.expired).toBe(false);
});

it('refuses a token the API does not accept, and stays signed out', async () => {
  answer = { data: null, errors: [{ message: 'Invalid token', extensions: { code: 'UNAUTHENTICATED' } }] };
  await act(async () => {
    await expect(state.signIn('x.y.z', null)).rejects.toThrow(/sign in again/);
  });
  expect(state.session).toBeNull();
});

it('signs out of the identity provider too after an OpenID Connect sign-in, the token dropped first', async () => {
  answer = { data: { viewer: { id: 'coach-mark', practiceId: 'demo-practice', role: 'COACH' } } };
  const endSession = 'https://id.example.com/session/end?id_token_hint=eyJ.id&client_id=c&post_logout_redirect_uri=https%3A%2F%2Fa%2Fconsole%2F';
  await act(() => state.signIn('a.b.c', null, endSession));
  act(() => state.signOut());
  expect(state.session).toBeNull();
  expect(left).toEqual([endSession]);
});

it('signs out in place after a pasted or demo token (no provider session to end)', async () => {
  answer = { data: { viewer: { id: 'coach-mark', practiceId: 'demo-practice', role: 'COACH' } } };
  await act(() => state.signIn('a.b.c', null));
  act(() => state.signOut());
  expect(state.session).toBeNull();
  expect(left).toEqual([]);
});

it('keeps a new session when a request of the one before is refused late', async () => {
  // the token expired, the user signed in again, and only then did a request made with the old
  // token come back refused: before, that refusal asked the new session to sign in again
  answer = { data: { viewer: { id: 'client-it', practiceId: 'demo-practice', role: 'CLIENT' } } };
  await act(() => state.signIn('old.token.a', null));
  const answering = globalThis.fetch;
  let release: (() => void) | null = null;
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    if ((init.headers as Record<string, string>).authorization === 'Bearer old.token.a') await new Promise<void>((r) => (release = r));
    return answering(url, init);
  }) as unknown as typeof fetch;
  try {
    const late = state.run(ViewerQuery, {});
    await act(() => state.signIn('new.token.b', null));
    answer = { data: null, errors: [{ message: 'Token expired', extensions: { code: 'UNAUTHENTICATED' } }] };
    await act(async () => {
      release!();
      await expect(late).rejects.toThrow(/sign in again/);
    });
  } finally {
    globalThis.fetch = answering;
  }
  expect(state.session?.token).toBe('new.token.b');
  expect(state.expired).toBe(false);
});
