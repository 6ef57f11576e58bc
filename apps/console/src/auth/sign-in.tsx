import { useEffect, useState, type FormEvent } from 'react';
import { useSession } from './session';
import { devToken, loadConsoleConfig, type ConsoleConfig } from './console-config';
import { beginOidcSignIn, completeOidcSignIn } from './oidc';
import { normaliseToken } from './token';
import { ErrorBox, Loading, humanise } from '../components/status';

export function SignInPage({ reason }: { reason?: string }) {
  const { signIn } = useSession();
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [pasted, setPasted] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    loadConsoleConfig().then(setConfig, setError);
  }, []);

  const attempt = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const paste = (event: FormEvent) => {
    event.preventDefault();
    void attempt(() => signIn(normaliseToken(pasted)));
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to the coaching console</h1>
      {reason && (
        <p className="error" role="alert">
          {reason}
        </p>
      )}
      {error && <ErrorBox error={error} />}
      {!config && !error && <Loading what="sign-in options" />}
      {config?.oidc && (
        <section aria-labelledby="sso">
          <h2 id="sso">Your practice account</h2>
          <button type="button" disabled={busy} onClick={() => void attempt(() => beginOidcSignIn(config.oidc!))}>
            Sign in with your practice account
          </button>
        </section>
      )}
      {config?.devSignIn && (
        <section aria-labelledby="dev">
          <h2 id="dev">Development: sign in as a demo person</h2>
          <p className="muted">The people of `npm run seed-demo`. Only offered when the API runs with NODE_ENV=development.</p>
          <ul className="people">
            {config.devSignIn.people.map((p) => (
              <li key={p.key}>
                <button type="button" disabled={busy} onClick={() => void attempt(async () => signIn(await devToken(p.key)))}>
                  {p.name} ({humanise(p.role)})
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {config && (
        <section aria-labelledby="paste">
          <h2 id="paste">Paste a token</h2>
          <form className="stack narrow" onSubmit={paste}>
            <label>
              Bearer token
              <textarea required rows={3} value={pasted} onChange={(e) => setPasted(e.target.value)} />
            </label>
            <button type="submit" disabled={busy}>
              Sign in with this token
            </button>
          </form>
        </section>
      )}
    </main>
  );
}

/** /console/callback: the identity provider sent the browser back with a code. */
export function OidcCallback({ onDone }: { onDone: () => void }) {
  const { signIn } = useSession();
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const config = await loadConsoleConfig();
      if (!config.oidc) throw new Error('Single sign-on is not configured.');
      const { accessToken, expiresAt, signOutUrl } = await completeOidcSignIn(config.oidc, new URL(location.href));
      if (!cancelled) {
        await signIn(accessToken, expiresAt, signOutUrl);
        onDone();
      }
    })().catch((err: unknown) => !cancelled && setError(err as Error));
    return () => {
      cancelled = true;
    };
    // the code can be exchanged once: run once per mount
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <main id="main" className="sign-in">
      <h1>Signing you in…</h1>
      {error ? <ErrorBox error={error} onReload={onDone} /> : <Loading what="your session" />}
    </main>
  );
}
