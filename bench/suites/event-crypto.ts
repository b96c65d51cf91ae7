import { parseConsentRule } from '../../lambdas/core/consent';
import { findBuiltinContract } from '../../lambdas/core/contracts';
import { deriveEvent, incomingEvent, sealEvent } from '../../lambdas/core/event-crypto';
import { decodeEvent } from '../../lambdas/core/event-serialization';
import { readSealedStrmMeta, readStrmMeta } from '../../lambdas/core/strm-meta';
import { generateTinkAesSivKey, TinkDeterministicAead } from '../../lambdas/core/tink-daead';
import { type BenchRow, type BenchSuite, soloRow } from '../harness';

const NAME = 'event-crypto';
const SAMPLES = 256;

function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => {
    const item = items[i];
    i = (i + 1) % items.length;
    return item;
  };
}

/** A simulator-style clickstream event body for session `n`. */
function clickstreamBody(n: number): string {
  return JSON.stringify({
    strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels: [0, 1] },
    producerSessionId: `session-${n}`,
    url: 'https://www.streammachine.io/rules',
    eventType: '',
    referrer: '',
    userAgent: '',
    conversion: 0,
    customer: { id: `customer-session-${n}` },
    abTests: [],
  });
}

/** Ingest's parse + validate: decode the body, read strmMeta, look up its contract, validate. */
function parseIncomingEvent(
  body: string,
  contracts: (ref: string) => ReturnType<typeof findBuiltinContract>,
) {
  const event = decodeEvent(Buffer.from(body), 'application/json');
  const meta = readStrmMeta(event);
  return incomingEvent(event, meta, contracts(meta.contractRef));
}

/**
 * Whole-event work on the hot paths, with the key already cached (as the key-link resolver serves it):
 * sealing one clickstream event at ingest, and deriving one for a CUMULATIVE [1] stream in the decrypter.
 */
export const suite: BenchSuite = {
  name: NAME,
  async run(): Promise<BenchRow[]> {
    const contracts = (ref: string) => findBuiltinContract(ref);
    const clickstream = findBuiltinContract('clickstream')!;
    const aead = new TinkDeterministicAead(generateTinkAesSivKey());
    const bodies = Array.from({ length: SAMPLES }, (_, n) => clickstreamBody(n));
    const incoming = bodies.map((body) => parseIncomingEvent(body, contracts));
    const stamp = { nonce: 1, timestamp: Date.now(), keyLink: '6f1c1f4e-62a8-4f0e-9a57-3c1e1b0e7a11' };
    const sealed = incoming.map((event) => {
      const sealedEvent = sealEvent(event, aead, stamp);
      return { event: sealedEvent, contract: clickstream, meta: readSealedStrmMeta(sealedEvent) };
    });
    const spec = { name: 'winston-1', consent: parseConsentRule([1], 'CUMULATIVE') };
    if (deriveEvent(sealed[0], spec, aead)?.producerSessionId !== 'session-0') {
      throw new Error(
        'event-crypto bench: derived event does not round-trip; fix correctness before measuring speed',
      );
    }

    const next = { body: cycle(bodies), incoming: cycle(incoming), sealed: cycle(sealed) };
    return [
      soloRow(NAME, 'clickstream event parse + validate', () => parseIncomingEvent(next.body(), contracts)),
      soloRow(NAME, 'clickstream event encrypt', () => sealEvent(next.incoming(), aead, stamp)),
      soloRow(NAME, 'derived-stream decrypt', () => deriveEvent(next.sealed(), spec, aead)),
    ];
  },
};
