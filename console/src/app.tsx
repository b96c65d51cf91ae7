import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { Credentials } from './api/management';
import { Session, type SessionDeps, type SessionEnd } from './api/session';
import { ConsoleContext, type ConsoleState } from './app-context';
import { KeyLinkLog } from './live/key-link-log';
import { ContractsPage } from './pages/contracts';
import { LivePage } from './pages/live';
import { SignInPage } from './pages/sign-in';
import { StreamsPage } from './pages/streams';
import { UsagePage } from './pages/usage';
import { hrefOf, type Route, useRoute } from './routes';

const ENDED: Record<SessionEnd, string> = {
  expired: 'Your session has ended. Sign in again.',
  signed_out: 'You are signed out.',
};

/** The console: the sign-in page without a session, the pages with one. */
export function App(props: { deps: SessionDeps }) {
  const [session, setSession] = useState<Session | undefined>();
  const [resuming, setResuming] = useState(true);
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    Session.resume(props.deps).then((resumed) => {
      setSession(resumed);
      setResuming(false);
    });
  }, [props.deps]);
  useEffect(
    () =>
      session?.onEnd((reason) => {
        setNotice(ENDED[reason]);
        setSession(undefined);
      }),
    [session],
  );

  if (resuming) return <p class="loading">Loading…</p>;
  if (!session) {
    return (
      <SignInPage
        deps={props.deps}
        notice={notice}
        onSignedIn={(s) => {
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return <SignedIn session={session} />;
}

const NAV: { route: Route; label: string }[] = [
  { route: { page: 'streams' }, label: 'Streams' },
  { route: { page: 'live' }, label: 'Live view' },
  { route: { page: 'contracts' }, label: 'Contracts' },
  { route: { page: 'usage' }, label: 'Usage' },
];

function SignedIn(props: { session: Session }) {
  const route = useRoute();
  const [credentials] = useState(() => new Map<string, Credentials>());
  const [keyLinks] = useState(() => new KeyLinkLog());
  const [keyLinksVersion, setKeyLinksVersion] = useState(0);
  const keyLinksChanged = useCallback(() => setKeyLinksVersion((v) => v + 1), []);
  const state = useMemo<ConsoleState>(
    () => ({ session: props.session, credentials, keyLinks, keyLinksVersion, keyLinksChanged }),
    [props.session, credentials, keyLinks, keyLinksVersion, keyLinksChanged],
  );
  return (
    <ConsoleContext.Provider value={state}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={hrefOf({ page: 'streams' })}>
          Privacy Streams
        </a>
        <nav aria-label="Pages">
          {NAV.map((item) => (
            <a
              key={item.label}
              href={hrefOf(item.route)}
              aria-current={item.route.page === route.page ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <span class="user" title={props.session.accountId}>
          {props.session.email}
        </span>
        <button type="button" class="secondary small" onClick={() => props.session.signOut()}>
          Sign out
        </button>
      </header>
      {route.page === 'streams' && <StreamsPage />}
      {route.page === 'live' && <LivePage stream={route.stream} />}
      {route.page === 'contracts' && <ContractsPage />}
      {route.page === 'usage' && <UsagePage />}
    </ConsoleContext.Provider>
  );
}
