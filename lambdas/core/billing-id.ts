import { randomInt } from 'node:crypto';

/**
 * Billing ids: the account key of the original product (2020–2022), which its STS token request
 * (`POST /auth {billingId, clientId, clientSecret}`) and every event's `strmMeta.billingId` carry, e.g.
 * `demo4678984730`: a lower-case word and ten digits. It is stamped into every event, so it must not
 * derive from anything personal (not from the email): the word is a random one from a neutral list.
 */
const WORDS = [
  'amber',
  'birch',
  'cedar',
  'delta',
  'ember',
  'fjord',
  'grove',
  'harbor',
  'indigo',
  'juniper',
  'kestrel',
  'lagoon',
  'maple',
  'nimbus',
  'orchid',
  'pebble',
  'quartz',
  'river',
  'summit',
  'tundra',
] as const;

const BILLING_ID_PATTERN = /^[a-z]{1,32}[0-9]{10}$/;

/** A new billing id: a random word and ten random digits. */
export function generateBillingId(): string {
  const word = WORDS[randomInt(WORDS.length)]!;
  const digits = Array.from({ length: 10 }, () => randomInt(10)).join('');
  return `${word}${digits}`;
}

/** Whether a value has the shape of a billing id (a cheap check before any lookup). */
export function isBillingId(value: unknown): value is string {
  return typeof value === 'string' && BILLING_ID_PATTERN.test(value);
}
