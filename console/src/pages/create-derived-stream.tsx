import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  type ConsentLevelType,
  type ConsentRule,
  defaultDerivedStreamName,
  isLevelDecrypted,
  parseConsentRule,
} from '../../../lambdas/core/consent';
import { type Contract, type Credentials, management, type StreamRecord } from '../api/management';
import { useConsole } from '../app-context';
import { ErrorText } from '../components/error-text';
import { displayPath } from '../live/event-fields';
import { describeRule } from '../live/exclusion';
import { useAsyncAction } from '../use-async-action';

/** `"0, 2"` → [0, 2]; anything that is not a list of non-negative integers → undefined. */
export function parseLevels(text: string): number[] | undefined {
  const parts = text.split(/[\s,/]+/).filter((p) => p !== '');
  if (parts.length === 0 || !parts.every((p) => /^\d{1,9}$/.test(p))) return undefined;
  return parts.map(Number);
}

function ruleOf(type: ConsentLevelType, levelsText: string): ConsentRule | undefined {
  const levels = parseLevels(levelsText);
  if (!levels) return undefined;
  try {
    return parseConsentRule(levels, type);
  } catch {
    return undefined;
  }
}

/** A derived stream: source, consent type and levels, explained with a contract's PII fields. */
export function CreateDerivedStream(props: {
  sources: string[];
  onCreated: (s: StreamRecord, c: Credentials) => void;
}) {
  const { session } = useConsole();
  const [source, setSource] = useState('');
  const [type, setType] = useState<ConsentLevelType>('CUMULATIVE');
  const [levelsText, setLevelsText] = useState('0');
  const [name, setName] = useState('');
  const [contracts, setContracts] = useState<Contract[]>([]);
  const [contractRef, setContractRef] = useState('streammachine/clickstream/1.0.0');
  const { busy, error, setError, run } = useAsyncAction();

  useEffect(() => {
    management.contracts(session).then((r) => setContracts(r.contracts), setError);
  }, [session]);
  const chosenSource = source || props.sources[0] || '';
  const rule = useMemo(() => ruleOf(type, levelsText), [type, levelsText]);
  const contract = contracts.find((c) => c.ref === contractRef);

  const submit = (e: Event) => {
    e.preventDefault();
    if (!rule) {
      setError(new Error(type === 'CUMULATIVE' ? 'Give exactly one level, e.g. 1' : 'Give levels like 0, 2'));
      return;
    }
    void run(async () => {
      const created = await management.createStream(session, {
        linkedStream: chosenSource,
        consentLevels: [...rule.levels],
        consentLevelType: rule.type,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      setName('');
      props.onCreated(created.stream, created.credentials);
    });
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-derived-title">
      <h2 id="create-derived-title">Create a derived stream</h2>
      <p class="hint">
        Only events whose consent allows it, with exactly the PII fields it covers decrypted.
      </p>
      <label>
        Source stream
        <select
          name="linkedStream"
          value={chosenSource}
          onChange={(e) => setSource(e.currentTarget.value)}
          required
        >
          {props.sources.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Consent type</legend>
        <label class="check">
          <input
            type="radio"
            name="consentLevelType"
            value="CUMULATIVE"
            checked={type === 'CUMULATIVE'}
            onChange={() => setType('CUMULATIVE')}
          />
          <span>
            <strong>CUMULATIVE</strong> (one level N): events whose highest consent level is at least N; PII
            fields of level N and below decrypted.
          </span>
        </label>
        <label class="check">
          <input
            type="radio"
            name="consentLevelType"
            value="GRANULAR"
            checked={type === 'GRANULAR'}
            onChange={() => setType('GRANULAR')}
          />
          <span>
            <strong>GRANULAR</strong> (a set R): events that consented to every level in R; PII fields whose
            level is in R decrypted.
          </span>
        </label>
      </fieldset>
      <label>
        {type === 'CUMULATIVE' ? 'Level' : 'Levels'}
        <input
          name="consentLevels"
          required
          inputMode="numeric"
          value={levelsText}
          onInput={(e) => setLevelsText(e.currentTarget.value)}
          aria-invalid={rule === undefined}
        />
      </label>
      <ConsentPreview rule={rule} contract={contract} contracts={contracts} onContract={setContractRef} />
      <label>
        Name <span class="hint">(optional)</span>
        <input
          name="derivedName"
          placeholder={rule && chosenSource ? defaultDerivedStreamName(chosenSource, rule) : ''}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <ErrorText error={error} />
      <button type="submit" disabled={busy || props.sources.length === 0}>
        Create derived stream
      </button>
    </form>
  );
}

/** Which of a contract's PII fields this rule decrypts. */
function ConsentPreview(props: {
  rule: ConsentRule | undefined;
  contract: Contract | undefined;
  contracts: Contract[];
  onContract: (ref: string) => void;
}) {
  const { rule, contract } = props;
  return (
    <div class="consent-preview" aria-live="polite">
      <label for="preview-contract">With contract</label>
      <select
        id="preview-contract"
        value={contract?.ref}
        onChange={(e) => props.onContract(e.currentTarget.value)}
      >
        {props.contracts.map((c) => (
          <option key={c.ref} value={c.ref}>
            {c.ref}
          </option>
        ))}
      </select>
      {rule && contract ? (
        <table>
          <caption>{describeRule(rule)}</caption>
          <thead>
            <tr>
              <th scope="col">PII field</th>
              <th scope="col">Level</th>
              <th scope="col">In this stream</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(contract.piiFields).map(([path, level]) => (
              <tr key={path}>
                <td>
                  <code>{displayPath(path)}</code>
                </td>
                <td>{level}</td>
                <td>
                  {isLevelDecrypted(rule, level) ? (
                    <span class="badge clear">clear</span>
                  ) : (
                    <span class="badge ciphertext">ciphertext</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="hint">{rule ? '' : 'Enter valid levels to see which fields are decrypted.'}</p>
      )}
    </div>
  );
}
