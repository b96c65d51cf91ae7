import { ValidationError } from '../../../lambdas/core/errors';
import {
  decodeEnvelope,
  encodeEnvelope,
  envelopeRecord,
  envelopeStreamOf,
} from '../../../lambdas/core/event-envelope';

describe('event envelope', () => {
  const target = {
    accountId: 'acc-1',
    stream: 'winston',
    streamCreatedAt: '2025-01-01T00:00:00.000Z',
    contractRef: 'streammachine/clickstream/1.0.0',
  };

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

  it('names the incarnation of its stream', () => {
    // Act
    const { envelope } = envelopeRecord(target, {}, 'link-1');
    // Assess
    expect(envelope.streamCreatedAt).toBe('2025-01-01T00:00:00.000Z');
  });

  it('decodes an envelope written before incarnations were recorded, without one', () => {
    // Prepare
    const { streamCreatedAt: _, ...older } = target;
    const data = Buffer.from(JSON.stringify({ v: 1, ...older, event: { a: 1 } }));
    // Act
    const decoded = decodeEnvelope(data);
    // Assess
    expect(decoded).toEqual({ v: 1, ...older, event: { a: 1 } });
    expect(decoded.streamCreatedAt).toBeUndefined();
  });

  it.each([
    [
      'an incarnation that is not a string',
      Buffer.from(JSON.stringify({ v: 1, ...target, streamCreatedAt: 7, event: {} })),
    ],
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

describe('the stream of an encoded envelope', () => {
  it('is read from the head of the data, without parsing the event', () => {
    // Prepare
    const head = '{"v":1,"accountId":"acc-\\"1","stream":"winston","contractRef":"c","event":{broken';
    // Act
    const stream = envelopeStreamOf(Buffer.from(head));
    // Assess
    expect(stream).toEqual({ accountId: 'acc-"1', stream: 'winston' });
  });

  it('is read from an envelope as envelopeRecord writes it, with and without its incarnation', () => {
    // Prepare
    const target = { accountId: 'acc-1', stream: 'winston', streamCreatedAt: 'x', contractRef: 'c' };
    const { streamCreatedAt: _, ...older } = target;
    // Act
    const current = envelopeStreamOf(encodeEnvelope(envelopeRecord(target, { a: 1 }, 'k').envelope));
    const legacy = envelopeStreamOf(Buffer.from(JSON.stringify({ v: 1, ...older, event: {} })));
    // Assess
    expect(current).toEqual({ accountId: 'acc-1', stream: 'winston' });
    expect(legacy).toEqual({ accountId: 'acc-1', stream: 'winston' });
  });

  it('is read from an envelope written with its fields in another order', () => {
    // Prepare
    const data = Buffer.from(
      JSON.stringify({ stream: 's-1', v: 1, contractRef: 'c', accountId: 'a', event: {} }),
    );
    // Act / Assess
    expect(envelopeStreamOf(data)).toEqual({ accountId: 'a', stream: 's-1' });
  });

  it('is undefined for data that is not an envelope', () => {
    // Act / Assess
    expect(envelopeStreamOf(Buffer.from('not json'))).toBeUndefined();
  });
});
