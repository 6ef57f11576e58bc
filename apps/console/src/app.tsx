import { lazy, Suspense, useRef } from 'react';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { SessionProvider, useSession, useSignedIn } from './auth/session';
import { OidcCallback, SignInPage } from './auth/sign-in';
import { Loading } from './components/status';
import type { Role } from './gql/graphql';

// pages with charts load on demand: the sign-in page and the lists stay small
const OverviewPage = lazy(() => import('./pages/overview').then((m) => ({ default: m.OverviewPage })));
const EngagementPage = lazy(() => import('./pages/engagement').then((m) => ({ default: m.EngagementPage })));
const JobSearchPage = lazy(() => import('./pages/job-search').then((m) => ({ default: m.JobSearchPage })));
import { EngagementsPage } from './pages/engagements';
import { SettingsPage } from './pages/settings';
import { AuditPage } from './pages/audit';
import { QueuePage } from './pages/queue';
import { MyHomeworkPage } from './pages/my-homework';

/** Navigation per role. It only arranges links: what each page shows is what the API answers. */
export const NAV: Record<Role, { href: string; label: string }[]> = {
  ADMIN: [
    { href: '/overview', label: 'Overview' },
    { href: '/engagements', label: 'Engagements' },
    { href: '/settings', label: 'Settings' },
    { href: '/audit', label: 'Access audit' },
  ],
  COACH: [
    { href: '/queue', label: 'Feedback queue' },
    { href: '/engagements', label: 'My engagements' },
  ],
  CLIENT: [
    { href: '/homework', label: 'My homework' },
    { href: '/job-search', label: 'My job search' },
  ],
  SYSTEM: [],
};

function Shell() {
  const { viewer, signOut } = useSignedIn();
  const [location] = useLocation();
  const main = useRef<HTMLElement>(null);
  const links = NAV[viewer.role];
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Coaching console</span>
        <nav aria-label="Main">
          <ul>
            {links.map((l) => (
              <li key={l.href}>
                <Link href={l.href} aria-current={location.startsWith(l.href) ? 'page' : undefined}>
                  {l.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {viewer.id} · {viewer.role.toLowerCase()} · {viewer.practiceId}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<Loading what="the page" />}>
          <Switch>
            <Route path="/overview" component={OverviewPage} />
            <Route path="/engagements" component={EngagementsPage} />
            <Route path="/engagements/:id">{(params) => <EngagementPage id={params.id} />}</Route>
            <Route path="/settings" component={SettingsPage} />
            <Route path="/audit" component={AuditPage} />
            <Route path="/queue" component={QueuePage} />
            <Route path="/homework" component={MyHomeworkPage} />
            <Route path="/job-search" component={JobSearchPage} />
            <Route>
              <Redirect to={links[0]?.href ?? '/'} replace />
            </Route>
          </Switch>
        </Suspense>
      </main>
    </>
  );
}

function Gate() {
  const { session, expired } = useSession();
  const [location, navigate] = useLocation();
  if (location === '/callback') return <OidcCallback onDone={() => navigate('/', { replace: true })} />;
  if (!session) return <SignInPage />;
  if (expired) return <SignInPage reason="Your session has expired. Sign in again to continue; nothing you saved is lost." />;
  return <Shell />;
}

export function App() {
  return (
    <SessionProvider>
      <Router base="/console">
        <Gate />
      </Router>
    </SessionProvider>
  );
}
