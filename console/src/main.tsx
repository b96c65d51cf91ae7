import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import type { RefreshTokenStore, SessionDeps } from './api/session';
import { App } from './app';

/** The console's entry point: browser ports for the session (fetch, the tab's session storage, timers). */

const REFRESH_TOKEN_KEY = 'privacy-streams.refreshToken';

const store: RefreshTokenStore = {
  load: () => sessionStorage.getItem(REFRESH_TOKEN_KEY) ?? undefined,
  save: (token) => {
    if (token === undefined) sessionStorage.removeItem(REFRESH_TOKEN_KEY);
    else sessionStorage.setItem(REFRESH_TOKEN_KEY, token);
  },
};

const deps: SessionDeps = {
  fetch: (input, init) => fetch(input, init),
  store,
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
};

render(<App deps={deps} />, document.getElementById('app')!);
