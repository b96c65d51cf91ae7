import {
  defaultExporterName,
  exportStartMs,
  parseBatchExporterDefinition,
  parsePathPrefix,
  sharesExportTarget,
} from '../../../lambdas/core/batch-exporter';
import { ValidationError } from '../../../lambdas/core/errors';
import { streamRecord } from '../../support/stream-records';

const buckets = { default: 'ps-exports', granted: ['acme-lake'] };
const source = streamRecord({ name: 'winston' });
const derived = streamRecord({ name: 'winston-0', linkedStream: 'winston', consentLevels: [0] });
const parse = (body: unknown, stream = source) => parseBatchExporterDefinition(body, { stream, buckets });

describe('parseBatchExporterDefinition', () => {
  it('fills in the defaults of the original: 60 s, no prefix, from now on, the stack bucket, events', () => {
    // Act
    const definition = parse({ stream: 'winston' });
    // Assess
    expect(definition).toEqual({
      name: 'winston-export',
      stream: 'winston',
      kind: 'events',
      interval: 60,
      pathPrefix: '',
      includeExistingEvents: false,
      bucket: 'ps-exports',
    });
  });

  it.each([29, 3601, 59.5, '60', -1])('refuses the interval %p with the allowed range', (interval) => {
    expect(() => parse({ interval })).toThrow(
      'interval must be an integer number of seconds from 30 to 3600',
    );
  });

  it('accepts the bounds of the interval, 30 and 3600 s', () => {
    expect(parse({ interval: 30 }).interval).toBe(30);
    expect(parse({ interval: 3600 }).interval).toBe(3600);
  });

  it('lets a test lower the minimum interval explicitly', () => {
    // Act
    const definition = parseBatchExporterDefinition(
      { interval: 2 },
      { stream: source, buckets, minimumInterval: 1 },
    );
    // Assess
    expect(definition.interval).toBe(2);
  });

  it('refuses a bucket the deployer did not grant, and accepts one that was granted', () => {
    expect(() => parse({ bucket: 'someone-elses' })).toThrow('bucket someone-elses is not an export bucket');
    expect(parse({ bucket: 'acme-lake' }).bucket).toBe('acme-lake');
  });

  it('makes a key stream only of a source stream', () => {
    expect(parse({ kind: 'keys' })).toMatchObject({ kind: 'keys', name: 'winston-keys' });
    expect(() => parse({ kind: 'keys' }, derived)).toThrow("kind 'keys' needs a source stream");
  });

  it.each([{ kind: 'kafka' }, { includeExistingEvents: 'yes' }, { name: 'a b' }, { name: 'x' }])(
    'refuses %p with a ValidationError',
    (body) => {
      expect(() => parse(body)).toThrow(ValidationError);
    },
  );
});

describe('parsePathPrefix', () => {
  it.each(['events', 'lake/clicks', 'year=2025/month=01', "a!b_c.d*e'f(g)h-i"])('accepts %p', (prefix) => {
    expect(parsePathPrefix(prefix)).toBe(prefix);
  });

  it.each([
    ['events/', "must not end with '/'"],
    ['/events', "must not start with '/'"],
    ['a//b', 'empty'],
    ['a/../b', "'..'"],
    ['a/./b', "'.'"],
    ['a b', 'may contain only'],
    ['x'.repeat(901), 'at most 900'],
  ])('refuses %p (%s)', (prefix, reason) => {
    expect(() => parsePathPrefix(prefix)).toThrow(reason);
  });
});

describe('what an exporter exports', () => {
  it('names key streams <stream>-keys and event exporters <stream>-export', () => {
    expect(defaultExporterName('winston', 'keys')).toBe('winston-keys');
    expect(defaultExporterName('winston', 'events')).toBe('winston-export');
  });

  it('starts at its own creation, or with all existing events at the stream’s', () => {
    // Prepare
    const times = { streamCreatedAt: '2025-01-01T00:00:00.000Z', createdAt: '2025-02-01T00:00:00.000Z' };
    // Assess
    expect(exportStartMs({ ...times, includeExistingEvents: false })).toBe(Date.parse(times.createdAt));
    expect(exportStartMs({ ...times, includeExistingEvents: true })).toBe(Date.parse(times.streamCreatedAt));
  });

  it('shares a target only with the same bucket, prefix, stream and kind', () => {
    // Prepare
    const a = parse({});
    // Assess
    expect(sharesExportTarget(a, { ...a, name: 'other' })).toBe(true);
    expect(sharesExportTarget(a, { ...a, pathPrefix: 'x' })).toBe(false);
    expect(sharesExportTarget(a, { ...a, kind: 'keys' })).toBe(false);
  });
});
