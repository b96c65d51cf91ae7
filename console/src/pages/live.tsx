import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Contract, management, type StreamDetails } from '../api/management';
import { SessionEndedError } from '../api/session';
import { useConsole } from '../app-context';
import { ErrorText } from '../components/error-text';
import { type CellView, type ContractFields, cellView, type LiveColumn } from '../live/cell-view';
import type { StreamEvent } from '../live/event-fields';
import { consentRuleOf, describeRule } from '../live/exclusion';
import { LiveTable } from '../live/live-table';
import { egressUrlOf, type SubscriptionStatus, subscribe } from '../live/subscription';
import { hrefOf } from '../routes';
import { TestEventsPanel } from './test-events-panel';

const ROW_CAPS = [25, 50, 100, 200, 500];
/** The view re-renders at most this often, however fast events arrive. */
const RENDER_INTERVAL_MS = 200;

function columnsOf(details: StreamDetails): LiveColumn[] {
  return [
    { stream: details.stream.name },
    ...details.derived.map((d) => ({
      stream: d.name,
      rule: consentRuleOf(d),
      maskedFields: d.maskedFields?.fieldPatterns,
    })),
  ];
}

export function LivePage(props: { stream?: string }) {
  const { session } = useConsole();
  const [sources, setSources] = useState<string[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (props.stream) return;
    management
      .listStreams(session)
      .then(
        (r) => setSources(r.streams.filter((s) => s.linkedStream === undefined).map((s) => s.name)),
        setError,
      );
  }, [session, props.stream]);
  if (props.stream) return <LiveView key={props.stream} source={props.stream} />;
  return (
    <main id="main">
      <h1>Live view</h1>
      <ErrorText error={error} />
      <p>Pick a source stream: its events and those of its derived streams appear side by side.</p>
      <ul class="pick-list">
        {(sources ?? []).map((s) => (
          <li key={s}>
            <a href={hrefOf({ page: 'live', stream: s })}>{s}</a>
          </li>
        ))}
      </ul>
      {sources?.length === 0 && (
        <p>
          No source streams yet: <a href={hrefOf({ page: 'streams' })}>create one</a>.
        </p>
      )}
    </main>
  );
}

function useContracts(): Map<string, ContractFields> {
  const { session } = useConsole();
  const [contracts, setContracts] = useState<Contract[]>([]);
  useEffect(() => {
    management.contracts(session).then(
      (r) => setContracts(r.contracts),
      () => undefined,
    );
  }, [session]);
  return useMemo(() => new Map(contracts.map((c) => [c.ref, c])), [contracts]);
}

/** Subscribes to every column's stream while mounted; events go to `onEvent`. */
function useSubscriptions(
  columns: LiveColumn[] | undefined,
  onEvent: (stream: string, event: StreamEvent) => void,
): Record<string, { status: SubscriptionStatus; detail?: string }> {
  const { session } = useConsole();
  const [statuses, setStatuses] = useState<Record<string, { status: SubscriptionStatus; detail?: string }>>(
    {},
  );
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!columns) return;
    const subscriptions = columns.map(({ stream }) =>
      subscribe({
        stream,
        readToken: async () => (await management.readToken(session, stream)).accessToken,
        urlOf: (token) => egressUrlOf(location, token),
        openSocket: (url, on) => {
          const ws = new WebSocket(url);
          ws.onopen = on.onOpen;
          ws.onmessage = (message) => on.onMessage(message.data);
          ws.onclose = on.onClose;
          return ws;
        },
        onEvent: (event) => handler.current(stream, event),
        onStatus: (status, detail) => setStatuses((s) => ({ ...s, [stream]: { status, detail } })),
        isFatal: (e) => e instanceof SessionEndedError,
      }),
    );
    return () => {
      for (const s of subscriptions) s.stop();
    };
  }, [columns, session]);
  return statuses;
}

function LiveView(props: { source: string }) {
  const { session, keyLinks, keyLinksChanged } = useConsole();
  const [details, setDetails] = useState<StreamDetails | undefined>();
  const [error, setError] = useState<unknown>();
  const [paused, setPaused] = useState(false);
  const [, setVersion] = useState(0);
  const table = useRef(new LiveTable({ maxRows: 100 })).current;
  const held = useRef<{ stream: string; event: StreamEvent }[]>([]);
  const contracts = useContracts();

  useEffect(() => {
    management.getStream(session, props.source).then(setDetails, setError);
  }, [session, props.source]);
  const columns = useMemo(() => (details ? columnsOf(details) : undefined), [details]);

  const apply = (stream: string, event: StreamEvent) => {
    const row = table.add(stream, event, Date.now());
    if (row && columns)
      keyLinks.record(props.source, row, columns, contracts.get(row.meta.contractRef ?? ''), Date.now());
  };
  const statuses = useSubscriptions(columns, (stream, event) => {
    if (paused) {
      held.current.push({ stream, event });
      if (held.current.length > table.maxRows * 20) held.current.shift();
    } else apply(stream, event);
  });

  // One render per interval: for new events, and so that "waiting" turns into "not received" in time.
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), RENDER_INTERVAL_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    const timer = setInterval(keyLinksChanged, 2000);
    return () => clearInterval(timer);
  }, [keyLinksChanged]);

  const resume = () => {
    for (const { stream, event } of held.current.splice(0)) apply(stream, event);
    setPaused(false);
  };

  if (error) {
    return (
      <main id="main">
        <h1>Live view: {props.source}</h1>
        <ErrorText error={error} />
      </main>
    );
  }
  const rows = table.rows();
  const now = Date.now();
  return (
    <main id="main" class="live-page">
      <h1>
        Live view: <span class="stream-name">{props.source}</span>
      </h1>
      <div class="toolbar" role="toolbar" aria-label="Live view controls">
        <button type="button" onClick={() => (paused ? resume() : setPaused(true))} aria-pressed={paused}>
          {paused ? `Resume (${held.current.length} held)` : 'Pause'}
        </button>
        <button type="button" class="secondary" onClick={() => table.clear()}>
          Clear
        </button>
        <label class="inline">
          Rows kept
          <select value={table.maxRows} onChange={(e) => table.setMaxRows(Number(e.currentTarget.value))}>
            {ROW_CAPS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <span class="muted" aria-live="polite">
          {rows.length} events{table.dropped > 0 ? `, ${table.dropped} older dropped` : ''}
        </span>
      </div>
      {details && <TestEventsPanel source={props.source} />}
      {columns && (
        <LiveGrid
          columns={columns}
          source={props.source}
          rows={rows}
          statuses={statuses}
          contracts={contracts}
          now={now}
        />
      )}
    </main>
  );
}

function LiveGrid(props: {
  columns: LiveColumn[];
  source: string;
  rows: ReturnType<LiveTable['rows']>;
  statuses: Record<string, { status: SubscriptionStatus; detail?: string }>;
  contracts: Map<string, ContractFields>;
  now: number;
}) {
  const { columns, rows } = props;
  return (
    <div class="live-scroll">
      <table class="live" data-testid="live-table">
        <caption class="sr-only">Each row is one event as every stream holds it</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            {columns.map((c) => (
              <th scope="col" key={c.stream} data-column={c.stream}>
                <span class="stream-name">{c.stream}</span>
                <span class="rule">
                  {c.rule ? describeRule(c.rule) : 'source: every PII field encrypted'}
                </span>
                <span class={`status ${props.statuses[c.stream]?.status ?? 'connecting'}`}>
                  {props.statuses[c.stream]?.status ?? 'connecting'}
                </span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length + 1} class="empty">
                Waiting for events. Send test events above, or run{' '}
                <code>strm sim run-random {props.source}</code>.
              </td>
            </tr>
          )}
          {rows.map((row) => {
            const contract = props.contracts.get(row.meta.contractRef ?? '');
            return (
              <tr key={row.key} data-row={row.key} data-consent={row.meta.consentLevels.join(',')}>
                <th scope="row" class="event-meta">
                  <span class="time">{formatTime(row.meta.timestamp)}</span>
                  <span>
                    consent <code>[{row.meta.consentLevels.join(', ')}]</code>
                  </span>
                  <span class="muted" title={`keyLink ${row.meta.keyLink}, nonce ${row.meta.nonce}`}>
                    key link {row.meta.keyLink.slice(0, 8)}
                  </span>
                </th>
                {columns.map((c) => (
                  <Cell
                    key={c.stream}
                    column={c.stream}
                    view={cellView(row, c, props.source, contract, props.now)}
                  />
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function Cell(props: { column: string; view: CellView }) {
  const { view } = props;
  return (
    <td data-column={props.column} data-status={view.status} data-label={props.column}>
      {view.status === 'received' && (
        <>
          {view.fields.map((f) => (
            <div class="field" key={f.path} data-field={f.path} data-state={f.state}>
              <span class="field-name">{f.label}</span>
              <span class={`badge ${f.state}`}>{f.state}</span>
              <code class="value" title={f.value}>
                {f.value}
              </code>
            </div>
          ))}
          {view.unexpected && (
            <p class="unexpected">Delivered although its consent excludes it: {view.unexpected}</p>
          )}
        </>
      )}
      {view.status === 'excluded' && (
        <div class="excluded">
          <span class="badge excluded">excluded</span>
          <span class="reason">{view.reason}</span>
        </div>
      )}
      {view.status === 'pending' && <span class="muted">waiting…</span>}
      {view.status === 'missing' && <span class="badge missing">not received</span>}
    </td>
  );
}
