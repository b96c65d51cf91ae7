import { useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { signUp } from '../api/management';
import { Session, type SessionDeps } from '../api/session';
import { ErrorText } from '../components/error-text';
import { useAsyncAction } from '../use-async-action';

/** Sign in, or create an account (then sign in). What every request without a session gets. */
export function SignInPage(props: { deps: SessionDeps; notice?: string; onSignedIn: (s: Session) => void }) {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [bootstrapSecret, setBootstrapSecret] = useState('');
  const { busy, error, run } = useAsyncAction((err) =>
    err instanceof ApiError && err.status === 401 ? new Error('Wrong email or password.') : err,
  );

  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      if (mode === 'sign-up') {
        await signUp(props.deps.fetch, {
          email,
          password,
          ...(bootstrapSecret ? { bootstrapSecret } : {}),
        });
      }
      props.onSignedIn(await Session.signIn(props.deps, email, password));
    });
  };

  const signUpMode = mode === 'sign-up';
  return (
    <main class="sign-in" id="main">
      <h1>Privacy Streams</h1>
      <p class="lead">
        See privacy streams work: the same event, encrypted in the source stream and decrypted as each consent
        allows.
      </p>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <div class="tabs" role="tablist" aria-label="Account">
        <button type="button" role="tab" aria-selected={!signUpMode} onClick={() => setMode('sign-in')}>
          Sign in
        </button>
        <button type="button" role="tab" aria-selected={signUpMode} onClick={() => setMode('sign-up')}>
          Create account
        </button>
      </div>
      <form onSubmit={submit} aria-label={signUpMode ? 'Create account' : 'Sign in'}>
        <label>
          Email
          <input
            type="email"
            name="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autocomplete={signUpMode ? 'new-password' : 'current-password'}
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {signUpMode && (
          <label>
            Bootstrap secret <span class="hint">(deployed stacks only, for the first account)</span>
            <input
              type="password"
              name="bootstrapSecret"
              autocomplete="off"
              value={bootstrapSecret}
              onInput={(e) => setBootstrapSecret(e.currentTarget.value)}
            />
          </label>
        )}
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          {signUpMode ? 'Create account and sign in' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
