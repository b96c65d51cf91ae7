import type { CreatedStream, StreamRecord } from '../../../cli/api-client';
import {
  formatCreatedStream,
  formatKeyValues,
  formatStreamDetails,
  formatStreamList,
  formatTable,
} from '../../../cli/output';

function stream(overrides: Partial<StreamRecord> = {}): StreamRecord {
  return { name: 'winston', enabled: true, credentials: [{ clientId: 'cid-1' }], ...overrides };
}

describe('tables', () => {
  it('align every column to its widest cell', () => {
    expect(
      formatTable(
        ['A', 'BB'],
        [
          ['long value', 'x'],
          ['y', 'z'],
        ],
      ),
    ).toBe('A           BB\nlong value  x\ny           z\n');
  });

  it('list streams with name, linked stream, consent levels, consent type and enabled', () => {
    const text = formatStreamList([
      stream(),
      stream({
        name: 'winston-1-3',
        linkedStream: 'winston',
        consentLevels: [1, 3],
        consentLevelType: 'GRANULAR',
      }),
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual([
      'NAME',
      'LINKED STREAM',
      'CONSENT LEVELS',
      'CONSENT TYPE',
      'ENABLED',
    ]);
    expect(lines[2].split(/\s{2,}/)).toEqual(['winston-1-3', 'winston', '1,3', 'GRANULAR', 'true']);
    expect(lines[1].indexOf('true')).toBe(lines[2].indexOf('true'));
  });

  it('say how to create a stream when there are none', () => {
    expect(formatStreamList([])).toMatch(/No streams/);
  });
});

describe('key/value output', () => {
  it('aligns the values', () => {
    expect(
      formatKeyValues([
        ['name', 'a'],
        ['consent type', 'b'],
      ]),
    ).toBe('name:          a\nconsent type:  b\n');
  });

  it('shows a derived stream with its consent rule and derived streams of a source', () => {
    const text = formatStreamDetails(stream(), [
      stream({
        name: 'winston-0',
        linkedStream: 'winston',
        consentLevels: [0],
        consentLevelType: 'CUMULATIVE',
      }),
    ]);
    expect(text).toMatch(/^name:\s+winston$/m);
    expect(text).toMatch(/^client id:\s+cid-1$/m);
    expect(text).toMatch(/Derived streams:\nNAME/);
    expect(text).toMatch(/^winston-0\s+winston\s+0\s+CUMULATIVE\s+true$/m);
  });
});

describe('create output', () => {
  const created: CreatedStream = {
    stream: stream({
      name: 'winston-0',
      linkedStream: 'winston',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
    }),
    credentials: { clientId: 'cid-9', clientSecret: 'the-secret' },
  };

  it('shows the client id and secret once, with a note', () => {
    const text = formatCreatedStream(created);
    expect(text).toMatch(/^client id:\s+cid-9$/m);
    expect(text).toMatch(/^client secret:\s+the-secret$/m);
    expect(text).toMatch(/shown only once/);
  });

  it('names the saved file with --save', () => {
    expect(formatCreatedStream(created, '/tmp/x/winston-0.json')).toMatch(
      /Saved .* to \/tmp\/x\/winston-0.json/,
    );
  });
});
