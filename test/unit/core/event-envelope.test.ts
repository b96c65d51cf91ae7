import { ValidationError } from '../../../lambdas/core/errors';
import { decodeEnvelope, encodeEnvelope, envelopeRecord } from '../../../lambdas/core/event-envelope';

describe('event envelope', () => {
  const target = { accountId: 'acc-1', stream: 'winston', contractRef: 'streammachine/clickstream/1.0.0' };

  it('builds a version 1 envelope partitioned by the key link', () => {
    // Act
    const record = envelopeRecord(target, { a: 1 }, 'link-1');
    // Assess
    expect(record).toEqual({ partitionKey: 'link-1', envelope: { v: 1, ...target, event: { a: 1 } } });
  });

  it('decodes what it encodes', () => {
    // Prepare
    const { envelope } = envelopeRecord(target, { nested: { b: [1, 'x'] } }, 'link-1');
    // Act
    const decoded = decodeEnvelope(encodeEnvelope(envelope));
    // Assess
    expect(decoded).toEqual(envelope);
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, ...target, event: {} }))],
    ['an event that is an array', Buffer.from(JSON.stringify({ v: 1, ...target, event: [] }))],
    ['a missing account', Buffer.from(JSON.stringify({ v: 1, stream: 's', contractRef: 'c', event: {} }))],
  ])('refuses %s without quoting the data', (_, data) => {
    // Act
    const decode = () => decodeEnvelope(data);
    // Assess
    expect(decode).toThrow(ValidationError);
    expect(decode).not.toThrow(/winston|acc-1/);
  });
});
