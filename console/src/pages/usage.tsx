import { useEffect, useState } from 'preact/hooks';
import { type KeyLinkMetadata, management } from '../api/management';
import { useConsole } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { ErrorText } from '../components/error-text';
import { UsageChart } from '../components/usage-chart';
import {
  type AlignedUsage,
  alignUsage,
  USAGE_RANGES,
  type UsageRange,
  usageWindow,
} from '../usage/usage-series';
import { useAsyncAction } from '../use-async-action';

/** Events per stream over time, and the key links seen in this session with export and crypto-shredding. */
export function UsagePage() {
  return (
    <main id="main">
      <h1>Usage</h1>
      <UsageSection />
      <KeyLinksSection />
    </main>
  );
}

function UsageSection() {
  const { session } = useConsole();
  const [range, setRange] = useState<UsageRange>(USAGE_RANGES[0]!);
  const [usage, setUsage] = useState<AlignedUsage | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    const load = async () => {
      const { streams } = await management.listStreams(session);
      const window = usageWindow(range, Date.now());
      // Usage is counted per source stream, as the decrypter processes its events.
      const sources = streams.filter((s) => s.linkedStream === undefined);
      const perStream = await Promise.all(
        sources.map(async (s) => ({
          stream: s.name,
          buckets: (await management.usage(session, s.name, window)).buckets,
        })),
      );
      if (live) setUsage(alignUsage(window, range, perStream));
    };
    load().catch(setError);
    return () => {
      live = false;
    };
  }, [session, range]);
  return (
    <section class="panel" aria-labelledby="usage-title">
      <h2 id="usage-title">Events per stream</h2>
      <p class="hint">Events each source stream received (derived streams are views of them).</p>
      <label class="inline">
        Range
        <select
          value={range.id}
          onChange={(e) =>
            setRange(USAGE_RANGES.find((r) => r.id === e.currentTarget.value) ?? USAGE_RANGES[0]!)
          }
        >
          {USAGE_RANGES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <ErrorText error={error} />
      {usage && usage.series.length > 0 && (
        <>
          <UsageChart
            times={usage.times}
            series={usage.series}
            label={`Events per stream, ${range.label.toLowerCase()}`}
          />
          <table class="totals">
            <caption>Totals, {range.label.toLowerCase()}</caption>
            <tbody>
              {usage.series.map((s) => (
                <tr key={s.stream} data-stream={s.stream}>
                  <th scope="row">{s.stream}</th>
                  <td>{s.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {usage?.series.length === 0 && <p>No source streams yet.</p>}
    </section>
  );
}

type PendingAction = { kind: 'export' | 'delete'; keyLinkId: string };

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function KeyLinksSection() {
  const { session, keyLinks, keyLinksVersion, keyLinksChanged } = useConsole();
  const [metadata, setMetadata] = useState<Record<string, KeyLinkMetadata | 'gone'>>({});
  const [pending, setPending] = useState<PendingAction | undefined>();
  const { error, run } = useAsyncAction();
  const [shredded, setShredded] = useState<string[]>([]);
  // The context's keyLinksVersion changes when the log does, which renders this again.
  const links = keyLinks.list();

  useEffect(() => {
    for (const link of links.slice(0, 50)) {
      if (metadata[link.keyLinkId] !== undefined) continue;
      management.keyLinkMetadata(session, link.keyLinkId).then(
        (m) => setMetadata((all) => ({ ...all, [m.keyLinkId]: m })),
        () => setMetadata((all) => ({ ...all, [link.keyLinkId]: 'gone' })),
      );
    }
  }, [keyLinksVersion, session]);

  const confirm = async () => {
    if (!pending) return;
    setPending(undefined);
    await run(async () => {
      if (pending.kind === 'export') {
        const exported = await management.exportKeyLink(session, pending.keyLinkId);
        download(`key-link-${pending.keyLinkId}.json`, exported.keyset);
      } else {
        await management.deleteKeyLink(session, pending.keyLinkId);
        setShredded((s) => [...s, pending.keyLinkId]);
        setMetadata((all) => ({ ...all, [pending.keyLinkId]: 'gone' }));
        keyLinksChanged();
      }
    });
  };

  return (
    <section class="panel" aria-labelledby="key-links-title">
      <h2 id="key-links-title">Key links seen in this session</h2>
      <p class="hint">
        Each key link holds the key of one session (key-field value) for its rotation period. Export gives its
        Tink keyset; deleting it crypto-shreds every event it encrypted, for good. Open a live view to collect
        key links.
      </p>
      <ErrorText error={error} />
      {links.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="key-links">
            <thead>
              <tr>
                <th scope="col">Key link</th>
                <th scope="col">Session</th>
                <th scope="col">Created</th>
                <th scope="col">New events until</th>
                <th scope="col">Events seen</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {links.map((link) => {
                const m = metadata[link.keyLinkId];
                const gone = m === 'gone' || shredded.includes(link.keyLinkId);
                return (
                  <tr key={link.keyLinkId} data-key-link={link.keyLinkId}>
                    <td>
                      <code>{link.keyLinkId}</code>
                    </td>
                    <td>
                      {link.sessions.length > 0 ? (
                        link.sessions.join(', ')
                      ) : (
                        <span class="muted">encrypted</span>
                      )}
                    </td>
                    <td>{m && m !== 'gone' ? new Date(m.createdAt).toLocaleString() : ''}</td>
                    <td>{m && m !== 'gone' ? new Date(m.expiresAt).toLocaleString() : ''}</td>
                    <td>{link.events}</td>
                    <td class="actions-cell">
                      {gone ? (
                        <span class="badge excluded">deleted</span>
                      ) : (
                        <>
                          <button
                            type="button"
                            class="secondary small"
                            onClick={() => setPending({ kind: 'export', keyLinkId: link.keyLinkId })}
                          >
                            Export
                          </button>
                          <button
                            type="button"
                            class="danger small"
                            onClick={() => setPending({ kind: 'delete', keyLinkId: link.keyLinkId })}
                          >
                            Delete
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        title={pending?.kind === 'delete' ? 'Delete this key link?' : 'Export this key?'}
        open={pending !== undefined}
        confirmLabel={pending?.kind === 'delete' ? 'Delete for good' : 'Export keyset'}
        onConfirm={confirm}
        onCancel={() => setPending(undefined)}
      >
        <p>
          <code>{pending?.keyLinkId}</code>
        </p>
        <p>
          {pending?.kind === 'delete'
            ? 'Every event encrypted with it becomes unreadable forever, in every stream and replay. This cannot be undone.'
            : 'The keyset decrypts every PII field this key link encrypted. Keep the file as secret as the data.'}
        </p>
      </ConfirmDialog>
    </section>
  );
}
