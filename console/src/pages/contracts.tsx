import { useEffect, useState } from 'preact/hooks';
import { type Contract, management } from '../api/management';
import { useConsole } from '../app-context';
import { ErrorText } from '../components/error-text';
import { displayPath } from '../live/event-fields';

/** The built-in contracts and the account's own: key field, PII fields with their levels, validations. */
export function ContractsPage() {
  const { session } = useConsole();
  const [contracts, setContracts] = useState<Contract[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    management.contracts(session).then((r) => setContracts(r.contracts), setError);
  }, [session]);
  return (
    <main id="main">
      <h1>Event contracts</h1>
      <p class="hint">
        A contract names the key field (its value picks the key link), the PII fields with the consent level
        each needs, and the validations an event must pass.
      </p>
      <ErrorText error={error} />
      {contracts === undefined && !error && <p>Loading…</p>}
      <div class="cards">
        {(contracts ?? []).map((c) => (
          <section
            class="panel contract"
            key={c.ref}
            aria-labelledby={`contract-${c.ref}`}
            data-contract={c.ref}
          >
            <h2 id={`contract-${c.ref}`}>
              <code>{c.ref}</code>
            </h2>
            <dl>
              <dt>Key field</dt>
              <dd>
                <code>{displayPath(c.keyField)}</code>
              </dd>
              {c.dataSubjectField && (
                <>
                  <dt>Data subject</dt>
                  <dd>
                    <code>{displayPath(c.dataSubjectField)}</code>
                  </dd>
                </>
              )}
              {c.schemaRef && (
                <>
                  <dt>Schema</dt>
                  <dd>
                    <code>{c.schemaRef}</code>
                  </dd>
                </>
              )}
            </dl>
            <table>
              <caption>PII fields</caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Consent level</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(c.piiFields)
                  .sort(([, a], [, b]) => a - b)
                  .map(([path, level]) => (
                    <tr key={path}>
                      <td>
                        <code>{displayPath(path)}</code>
                      </td>
                      <td>{level}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
            {c.validations.length > 0 && (
              <table>
                <caption>Validations</caption>
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">Rule</th>
                  </tr>
                </thead>
                <tbody>
                  {c.validations.map((v) => (
                    <tr key={`${v.field}-${v.value}`}>
                      <td>
                        <code>{displayPath(v.field)}</code>
                      </td>
                      <td>
                        {v.type} <code class="wrap">{v.value}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        ))}
      </div>
    </main>
  );
}
