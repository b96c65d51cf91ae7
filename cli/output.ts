import type { CreatedStream, ExportedKeyLink, StreamRecord } from './api-client';

export type OutputFormat = 'table' | 'json' | 'csv';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json' || value === 'csv') return value;
  throw new Error(`Invalid output format '${value}': use table or json (csv for strm get usage)`);
}

/** Pretty JSON, as the API returned it. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Columns aligned with two spaces between them; every row ends with a newline. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** `key: value` lines with the values aligned. */
export function formatKeyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([key]) => key.length + 1));
  return `${pairs.map(([key, value]) => `${`${key}:`.padEnd(width)}  ${value}`.trimEnd()).join('\n')}\n`;
}

function consentLevelsText(stream: StreamRecord): string {
  return stream.consentLevels && stream.consentLevels.length > 0 ? stream.consentLevels.join(',') : '';
}

/** `strm list streams`: one row per stream. */
export function formatStreamList(streams: readonly StreamRecord[]): string {
  if (streams.length === 0) return 'No streams. Create one with: strm create stream <name> --save\n';
  return formatTable(
    ['NAME', 'LINKED STREAM', 'CONSENT LEVELS', 'CONSENT TYPE', 'ENABLED'],
    streams.map((stream) => [
      stream.name,
      stream.linkedStream ?? '',
      consentLevelsText(stream),
      stream.linkedStream ? (stream.consentLevelType ?? 'CUMULATIVE') : '',
      stream.enabled === false ? 'false' : 'true',
    ]),
  );
}

function streamPairs(stream: StreamRecord): [string, string][] {
  const pairs: [string, string][] = [['name', stream.name]];
  if (stream.linkedStream) {
    pairs.push(['linked stream', stream.linkedStream]);
    pairs.push(['consent levels', consentLevelsText(stream)]);
    pairs.push(['consent type', stream.consentLevelType ?? 'CUMULATIVE']);
  }
  const patterns = stream.maskedFields?.fieldPatterns;
  if (patterns && Object.keys(patterns).length > 0) {
    const text = Object.entries(patterns)
      .map(([ref, fields]) => `${ref}: ${fields.join(',')}`)
      .join('; ');
    pairs.push(['masked fields', text]);
  }
  if (stream.description) pairs.push(['description', stream.description]);
  if (stream.tags && stream.tags.length > 0) pairs.push(['tags', stream.tags.join(',')]);
  pairs.push(['enabled', stream.enabled === false ? 'false' : 'true']);
  if (stream.keyRotationHours !== undefined)
    pairs.push(['key rotation hours', String(stream.keyRotationHours)]);
  if (stream.createdAt) pairs.push(['created at', stream.createdAt]);
  const clientIds = (stream.credentials ?? []).map((credential) => credential.clientId);
  if (clientIds.length > 0) pairs.push(['client id', clientIds.join(',')]);
  return pairs;
}

/** `strm get stream`: the stream as key/value lines, then its derived streams. */
export function formatStreamDetails(stream: StreamRecord, derived: readonly StreamRecord[]): string {
  let text = formatKeyValues(streamPairs(stream));
  if (derived.length > 0) {
    text += `\nDerived streams:\n${formatStreamList(derived)}`;
  }
  return text;
}

/** `strm create stream`: the stream and its credentials, which the API shows only this once. */
export function formatCreatedStream(created: CreatedStream, savedFile?: string): string {
  const pairs = streamPairs({ ...created.stream, credentials: undefined });
  pairs.push(['client id', created.credentials.clientId]);
  pairs.push(['client secret', created.credentials.clientSecret]);
  let text = formatKeyValues(pairs);
  text += savedFile
    ? `\nThe client secret is shown only once. Saved the stream with its credentials to ${savedFile}\n`
    : '\nThe client secret is shown only once: store it now, or create streams with --save to keep it.\n';
  return text;
}

/** `strm create credentials`: the new client id and secret, which the API shows only this once. */
export function formatCreatedCredentials(created: CreatedStream, savedFile?: string): string {
  let text = formatKeyValues([
    ['stream', created.stream.name],
    ['client id', created.credentials.clientId],
    ['client secret', created.credentials.clientSecret],
  ]);
  text += savedFile
    ? `\nThe client secret is shown only once. Saved these credentials to ${savedFile}; sim and egress use them now.\n`
    : '\nThe client secret is shown only once: store it now, or run this with --save to keep it for sim and egress.\n';
  return text;
}

/** `strm get key-link`: id and validity as key/value lines, then the keyset on its own line. */
export function formatKeyLink(link: ExportedKeyLink): string {
  return `${formatKeyValues([
    ['key link id', link.keyLinkId],
    ['created at', link.createdAt],
    ['expires at', link.expiresAt],
  ])}keyset:\n${link.keyset}\n`;
}

/** `strm delete data-subject`: one line per data subject with the number of key links deleted. */
export function formatDeletedDataSubjects(
  results: readonly { dataSubject: string; deletedKeyLinks: number }[],
): string {
  return results
    .map(
      ({ dataSubject, deletedKeyLinks }) =>
        `Data subject ${dataSubject}: ${deletedKeyLinks} key ${deletedKeyLinks === 1 ? 'link' : 'links'} deleted\n`,
    )
    .join('');
}
