import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { type Credentials, management } from '../api/management';
import { TestProducer } from '../api/test-producer';
import { useConsole } from '../app-context';
import { ErrorText } from '../components/error-text';
import { DEFAULT_TEST_CONSENT_CHOICES, temporaryCredentialSeconds, testEvents } from '../live/test-events';

const CONSENT_CHOICES = ['', '0', '0/1', '0/1/2', '0/1/2/3'];
/** Pause between two test events, so the rows arrive one by one. */
const SEND_INTERVAL_MS = 150;

const choiceLabel = (choice: string) => (choice === '' ? 'none []' : `[${choice.split('/').join(', ')}]`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * "Send test events": a small simulation into the source stream, with the consent levels the user picks,
 * sent with the stream's credentials (those created in this tab, pasted ones, or a temporary credential
 * that is deleted again after the run, and expires by itself should the tab close first).
 */
export function TestEventsPanel(props: { source: string }) {
  const { session, credentials } = useConsole();
  const [choices, setChoices] = useState<string[]>(DEFAULT_TEST_CONSENT_CHOICES);
  const [count, setCount] = useState(20);
  const [sessions, setSessions] = useState(4);
  const [schema, setSchema] = useState('clickstream');
  const [pasted, setPasted] = useState<Credentials>({ clientId: '', clientSecret: '' });
  const [progress, setProgress] = useState<{ sent: number; total: number } | undefined>();
  const [error, setError] = useState<unknown>();
  const stopRequested = useRef(false);
  const known = credentials.get(props.source);

  const toggle = (choice: string, on: boolean) =>
    setChoices((current) => CONSENT_CHOICES.filter((c) => (c === choice ? on : current.includes(c))));

  /** The credentials to send with, and what to clean up afterwards. */
  const credentialsForRun = async (
    temporary: boolean,
  ): Promise<{ creds: Credentials; cleanup?: () => Promise<void> }> => {
    if (!temporary) return { creds: known ?? pasted };
    const { credentials: creds } = await management.createTemporaryCredential(
      session,
      props.source,
      temporaryCredentialSeconds(count, SEND_INTERVAL_MS),
    );
    return { creds, cleanup: () => management.deleteCredential(session, props.source, creds.clientId) };
  };

  const run = async (temporary: boolean) => {
    setError(undefined);
    stopRequested.current = false;
    let cleanup: (() => Promise<void>) | undefined;
    try {
      const events = testEvents(
        { schema, count, sessions, consentChoices: choices },
        crypto.randomUUID().slice(0, 8),
      );
      const run = await credentialsForRun(temporary);
      cleanup = run.cleanup;
      const producer = new TestProducer(fetch.bind(window), run.creds);
      setProgress({ sent: 0, total: events.length });
      for (const [i, { event, schemaRef }] of events.entries()) {
        if (stopRequested.current) break;
        await producer.send(event, schemaRef);
        setProgress({ sent: i + 1, total: events.length });
        await sleep(SEND_INTERVAL_MS);
      }
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'route_not_found'
          ? new Error('This server cannot create extra credentials: paste the stream’s credentials instead.')
          : err,
      );
    } finally {
      await cleanup?.().catch(() => undefined);
      setProgress((p) => (p ? { ...p, total: p.sent } : p));
    }
  };

  const running = progress !== undefined && progress.sent < progress.total;
  const havePasted = pasted.clientId !== '' && pasted.clientSecret !== '';
  return (
    <details class="panel test-events" open>
      <summary>Send test events</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(false);
        }}
        aria-label="Send test events"
      >
        <fieldset>
          <legend>Consent levels (taken in turn)</legend>
          <div class="choices">
            {CONSENT_CHOICES.map((choice) => (
              <label class="check" key={choice}>
                <input
                  type="checkbox"
                  name="consentChoice"
                  value={choice}
                  checked={choices.includes(choice)}
                  onChange={(e) => toggle(choice, e.currentTarget.checked)}
                />
                {choiceLabel(choice)}
              </label>
            ))}
          </div>
        </fieldset>
        <div class="row">
          <label>
            Events
            <input
              type="number"
              name="count"
              min={1}
              max={500}
              value={count}
              onInput={(e) => setCount(e.currentTarget.valueAsNumber)}
            />
          </label>
          <label>
            Sessions
            <input
              type="number"
              name="sessions"
              min={1}
              max={100}
              value={sessions}
              onInput={(e) => setSessions(e.currentTarget.valueAsNumber)}
            />
          </label>
          <label>
            Contract
            <select name="schema" value={schema} onChange={(e) => setSchema(e.currentTarget.value)}>
              <option value="clickstream">streammachine/clickstream/1.0.0</option>
              <option value="demo">streammachine/example/1.3.0</option>
            </select>
          </label>
        </div>
        {!known && (
          <div class="row">
            <label>
              Client id
              <input
                name="clientId"
                autocomplete="off"
                value={pasted.clientId}
                onInput={(e) => setPasted({ ...pasted, clientId: e.currentTarget.value })}
              />
            </label>
            <label>
              Client secret
              <input
                type="password"
                name="clientSecret"
                autocomplete="off"
                value={pasted.clientSecret}
                onInput={(e) => setPasted({ ...pasted, clientSecret: e.currentTarget.value })}
              />
            </label>
          </div>
        )}
        <div class="actions start">
          <button type="submit" disabled={running || choices.length === 0 || (!known && !havePasted)}>
            Send test events
          </button>
          {!known && (
            <button
              type="button"
              class="secondary"
              disabled={running || choices.length === 0}
              onClick={() => run(true)}
            >
              Send with a temporary credential
            </button>
          )}
          {running && (
            <button type="button" class="secondary" onClick={() => (stopRequested.current = true)}>
              Stop
            </button>
          )}
          {progress && (
            <span role="status" class="muted">
              {running ? `Sending ${progress.sent} of ${progress.total}…` : `Sent ${progress.sent} events.`}
            </span>
          )}
        </div>
        {known && <p class="hint">Sent with the credentials created in this tab ({known.clientId}).</p>}
        <ErrorText error={error} />
      </form>
    </details>
  );
}
