import { randomUUID } from 'node:crypto';
import type { ConsentRule } from '../../lambdas/core/consent';
import { findBuiltinContract } from '../../lambdas/core/contracts';
import { deriveEvent, incomingEvent, sealEvent } from '../../lambdas/core/event-crypto';
import { readStrmMeta } from '../../lambdas/core/strm-meta';
import { generateTinkAesSivKey, TinkDeterministicAead } from '../../lambdas/core/tink-daead';

/**
 * Events as the pipeline's own core functions make them (seal at ingest, derive per consent rule), for
 * tests of the console's reading of them: no hand-written ciphertexts.
 */
export function pipelineEvents(event: Record<string, unknown>, rules: Record<string, ConsentRule>) {
  const meta = readStrmMeta(event);
  const contract = findBuiltinContract(meta.contractRef)!;
  const aead = new TinkDeterministicAead(generateTinkAesSivKey());
  const stamp = { nonce: Math.floor(Math.random() * 2 ** 31), timestamp: Date.now(), keyLink: randomUUID() };
  const source = sealEvent(incomingEvent(event, meta, contract), aead, stamp);
  const derived: Record<string, Record<string, unknown> | undefined> = {};
  for (const [name, consent] of Object.entries(rules)) {
    derived[name] = deriveEvent({ event: source, contract, meta }, { name, consent }, aead);
  }
  return { source, derived, contract, stamp };
}
