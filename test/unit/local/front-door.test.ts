import { HTTP2_PREFACE, sniffProtocol } from '../../../local/front-door';

describe('telling HTTP/2 with prior knowledge from HTTP/1.1 by the first bytes', () => {
  it('recognises the full 24-byte connection preface as HTTP/2', () => {
    // Act
    const protocol = sniffProtocol(Buffer.concat([HTTP2_PREFACE, Buffer.from([0, 0, 0, 4])]));
    // Assess
    expect(protocol).toBe('http2');
  });

  it('waits while the bytes so far are a prefix of the preface (a client may send it in pieces)', () => {
    // Act
    const partial = [1, 3, 14, 23].map((n) => sniffProtocol(HTTP2_PREFACE.subarray(0, n)));
    // Assess
    expect(partial).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('takes anything that leaves the preface as HTTP/1.1, as early as the first differing byte', () => {
    // Act
    const answers = ['GET / HTTP/1.1\r\n', 'POST /event HTTP/1.1', 'PRI /x HTTP/1.1'].map((line) =>
      sniffProtocol(Buffer.from(line)),
    );
    // Assess
    expect(answers).toEqual(['http1', 'http1', 'http1']);
    expect(sniffProtocol(Buffer.from('PO'))).toBe('http1');
  });
});
