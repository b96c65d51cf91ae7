import { useCallback, useEffect, useState } from 'preact/hooks';
import { type BatchExporter, type Credentials, management, type StreamRecord } from '../api/management';
import { useConsole } from '../app-context';
import { CopyButton } from '../components/copy-button';
import { ConfirmDialog, Dialog } from '../components/dialog';
import { ErrorText } from '../components/error-text';
import { consentRuleOf, describeRule } from '../live/exclusion';
import { hrefOf } from '../routes';
import { useAsyncAction } from '../use-async-action';
import { CreateDerivedStream } from './create-derived-stream';

/** A source stream with its derived streams and the exporters of each. */
interface StreamTree {
  source: StreamRecord;
  derived: StreamRecord[];
  exporters: Map<string, BatchExporter[]>;
}

async function loadTrees(session: ReturnType<typeof useConsole>['session']): Promise<StreamTree[]> {
  const { streams } = await management.listStreams(session);
  const details = await Promise.all(
    streams.map((s) => management.getStream(session, s.name).catch(() => undefined)),
  );
  const exporters = new Map<string, BatchExporter[]>();
  for (const d of details) if (d?.batchExporters) exporters.set(d.stream.name, d.batchExporters);
  return streams
    .filter((s) => s.linkedStream === undefined)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((source) => ({
      source,
      derived: streams
        .filter((s) => s.linkedStream === source.name)
        .sort((a, b) => a.name.localeCompare(b.name)),
      exporters,
    }));
}

export function StreamsPage() {
  const { session, credentials } = useConsole();
  const [trees, setTrees] = useState<StreamTree[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<{ stream: string; credentials: Credentials } | undefined>();
  const [doomed, setDoomed] = useState<StreamRecord | undefined>();

  const reload = useCallback(() => {
    loadTrees(session).then(setTrees, setError);
  }, [session]);
  useEffect(reload, [reload]);

  const onCreated = (stream: StreamRecord, creds: Credentials) => {
    credentials.set(stream.name, creds);
    setCreated({ stream: stream.name, credentials: creds });
    reload();
  };

  return (
    <main id="main" class="streams-page">
      <h1>Streams</h1>
      <ErrorText error={error} />
      <section aria-labelledby="tree-title" class="panel">
        <h2 id="tree-title">Your streams</h2>
        {trees === undefined ? (
          <p>Loading…</p>
        ) : trees.length === 0 ? (
          <p>No streams yet. Create a source stream below, then derived streams of it.</p>
        ) : (
          <ul class="stream-tree" data-testid="stream-tree">
            {trees.map((tree) => (
              <SourceItem key={tree.source.name} tree={tree} onDelete={setDoomed} />
            ))}
          </ul>
        )}
      </section>
      <div class="forms">
        <CreateSourceStream onCreated={onCreated} />
        <CreateDerivedStream sources={(trees ?? []).map((t) => t.source.name)} onCreated={onCreated} />
      </div>
      <CredentialsDialog created={created} onClose={() => setCreated(undefined)} />
      <DeleteStreamDialog
        stream={doomed}
        hasDerived={(trees ?? []).some((t) => t.source.name === doomed?.name && t.derived.length > 0)}
        onDone={() => {
          setDoomed(undefined);
          reload();
        }}
      />
    </main>
  );
}

function SourceItem(props: { tree: StreamTree; onDelete: (s: StreamRecord) => void }) {
  const { source, derived, exporters } = props.tree;
  return (
    <li data-stream={source.name}>
      <div class="stream-line">
        <span class="stream-name">{source.name}</span>
        <span class="tag">source</span>
        {!source.enabled && <span class="tag warn">disabled</span>}
        <span class="muted">
          {source.credentials.length} credential{source.credentials.length === 1 ? '' : 's'}
        </span>
        <span class="spacer" />
        <a class="button small" href={hrefOf({ page: 'live', stream: source.name })}>
          Live view
        </a>
        <button type="button" class="secondary small" onClick={() => props.onDelete(source)}>
          Delete
        </button>
      </div>
      <Exporters list={exporters.get(source.name)} />
      {derived.length > 0 && (
        <ul>
          {derived.map((d) => {
            const rule = consentRuleOf(d);
            return (
              <li key={d.name} data-stream={d.name}>
                <div class="stream-line">
                  <span class="stream-name">{d.name}</span>
                  <span class="tag derived">{rule ? describeRule(rule) : 'derived'}</span>
                  <span class="spacer" />
                  <button type="button" class="secondary small" onClick={() => props.onDelete(d)}>
                    Delete
                  </button>
                </div>
                <Exporters list={exporters.get(d.name)} />
              </li>
            );
          })}
        </ul>
      )}
    </li>
  );
}

function Exporters(props: { list: BatchExporter[] | undefined }) {
  if (!props.list || props.list.length === 0) return null;
  return (
    <ul class="exporters" aria-label="Batch exporters">
      {props.list.map((e) => (
        <li key={e.name}>
          <span class="tag">exporter</span> {e.name}
          <span class="muted">
            {' '}
            {e.kind === 'keys' ? 'key stream' : 'events'}
            {e.interval ? `, every ${e.interval} s` : ''}
            {e.bucket ? ` → s3://${e.bucket}/${e.pathPrefix ?? ''}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

function CreateSourceStream(props: { onCreated: (s: StreamRecord, c: Credentials) => void }) {
  const { session } = useConsole();
  const [name, setName] = useState('');
  const { busy, error, run } = useAsyncAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const created = await management.createStream(session, { name: name.trim() });
      setName('');
      props.onCreated(created.stream, created.credentials);
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-source-title">
      <h2 id="create-source-title">Create a source stream</h2>
      <p class="hint">Producers send events here; every PII field is stored encrypted.</p>
      <label>
        Name
        <input
          name="sourceName"
          required
          minLength={3}
          maxLength={100}
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
          placeholder="winston"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <ErrorText error={error} />
      <button type="submit" disabled={busy}>
        Create source stream
      </button>
    </form>
  );
}

function CredentialsDialog(props: {
  created: { stream: string; credentials: Credentials } | undefined;
  onClose: () => void;
}) {
  const c = props.created;
  return (
    <Dialog
      title={`Credentials of ${c?.stream ?? ''}`}
      open={c !== undefined}
      onClose={props.onClose}
      testId="credentials-dialog"
    >
      {c && (
        <>
          <p class="warning" role="note">
            The client secret is shown only once: store it now. This console keeps it in memory for this tab
            only (to send test events), and forgets it on reload.
          </p>
          <dl class="credentials">
            <dt>Client id</dt>
            <dd>
              <code id="credential-client-id">{c.credentials.clientId}</code>
              <CopyButton value={c.credentials.clientId} label="client id" targetId="credential-client-id" />
            </dd>
            <dt>Client secret</dt>
            <dd>
              <code id="credential-client-secret">{c.credentials.clientSecret}</code>
              <CopyButton
                value={c.credentials.clientSecret}
                label="client secret"
                targetId="credential-client-secret"
              />
            </dd>
          </dl>
          <div class="actions">
            <button type="button" onClick={props.onClose}>
              I have stored it
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

function DeleteStreamDialog(props: {
  stream: StreamRecord | undefined;
  hasDerived: boolean;
  onDone: () => void;
}) {
  const { session } = useConsole();
  const [recursive, setRecursive] = useState(false);
  const { error, setError, run } = useAsyncAction();
  const stream = props.stream;
  const close = () => {
    setRecursive(false);
    setError(undefined);
    props.onDone();
  };
  const confirm = async () => {
    if (!stream) return;
    await run(async () => {
      await management.deleteStream(session, stream.name, recursive);
      close();
    });
  };
  return (
    <ConfirmDialog
      title={`Delete ${stream?.name ?? ''}?`}
      open={stream !== undefined}
      confirmLabel="Delete"
      onConfirm={confirm}
      onCancel={close}
    >
      <p>Its credentials stop working and its subscribers are disconnected.</p>
      {props.hasDerived && (
        <label class="check">
          <input
            type="checkbox"
            checked={recursive}
            onChange={(e) => setRecursive(e.currentTarget.checked)}
          />
          Also delete its derived streams (and their exporters)
        </label>
      )}
      <ErrorText error={error} />
    </ConfirmDialog>
  );
}
