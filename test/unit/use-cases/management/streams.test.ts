import { ConflictError } from '../../../../lambdas/core/errors';
import type { StreamRecord } from '../../../../lambdas/core/stream-definition';
import { createStream, deleteStream } from '../../../../lambdas/use-cases/management/streams';
import { InMemoryConnectionsRepo } from '../../../support/fakes/in-memory-connections-repo';
import { InMemoryExportersRepo } from '../../../support/fakes/in-memory-exporters-repo';
import { InMemoryStreamsRepo } from '../../../support/fakes/in-memory-streams-repo';
import { RecordingConnectionPoster } from '../../../support/fakes/recording-connection-poster';
import { recordingLogger } from '../../../support/recording-logger';
import { streamRecord } from '../../../support/stream-records';

const NOW = Date.parse('2025-01-01T12:00:00.000Z');

function stream(name: string, linkedStream?: string): StreamRecord {
  const derived = { linkedStream, consentLevels: [0], keyRotationHours: undefined };
  return streamRecord({ name, accountId: 'acct-1', ...(linkedStream === undefined ? {} : derived) });
}

function ports() {
  const streams = new InMemoryStreamsRepo();
  const deletes: string[] = [];
  const remove = streams.delete.bind(streams);
  streams.delete = async (accountId, name) => {
    deletes.push(name);
    return remove(accountId, name);
  };
  const connections = new InMemoryConnectionsRepo({ now: () => NOW });
  const sockets = new RecordingConnectionPoster();
  const exporters = new InMemoryExportersRepo();
  return {
    streams,
    exporters,
    deletes,
    connections,
    sockets,
    now: () => NOW,
    audit: recordingLogger().logger,
  };
}

describe('deleteStream', () => {
  it('with recursive, deletes every derived stream before its source and answers the names in that order', async () => {
    // Prepare
    const p = ports();
    for (const s of [stream('winston'), stream('winston-0', 'winston'), stream('winston-1', 'winston')])
      p.streams.put(s);
    // Act
    const deleted = await deleteStream(p, 'acct-1', 'winston', { recursive: true });
    // Assess
    expect(deleted).toEqual(['winston-0', 'winston-1', 'winston']);
    expect(p.deletes).toEqual(['winston-0', 'winston-1', 'winston']);
  });

  it('ends the WebSocket subscribers of every deleted stream (closed and their records deleted), no others', async () => {
    // Prepare
    const p = ports();
    for (const s of [stream('winston'), stream('winston-0', 'winston'), stream('other')]) p.streams.put(s);
    const subscribe = (connectionId: string, streamName: string) =>
      p.connections.put({ connectionId, accountId: 'acct-1', streamName, clientId: 'ps-client' });
    await subscribe('c-source', 'winston');
    await subscribe('c-derived', 'winston-0');
    await subscribe('c-other', 'other');
    // Act
    await deleteStream(p, 'acct-1', 'winston', { recursive: true });
    // Assess
    expect(p.sockets.disconnected.sort()).toEqual(['c-derived', 'c-source']);
    expect([...p.connections.connections.keys()]).toEqual(['c-other']);
  });

  it('without recursive, refuses a source with derived streams and deletes nothing', async () => {
    // Prepare
    const p = ports();
    for (const s of [stream('winston'), stream('winston-0', 'winston')]) p.streams.put(s);
    // Act
    const deleting = deleteStream(p, 'acct-1', 'winston', { recursive: false });
    // Assess
    await expect(deleting).rejects.toBeInstanceOf(ConflictError);
    expect(p.deletes).toEqual([]);
  });
});

describe('createStream', () => {
  it('derives only from a source of the same account', async () => {
    // Prepare
    const p = ports();
    p.streams.put({ ...stream('winston'), accountId: 'acct-2' });
    // Act
    const creating = createStream(p, 'acct-1', { linkedStream: 'winston', consentLevels: [0] });
    // Assess
    await expect(creating).rejects.toThrow("linkedStream 'winston' does not exist");
    expect(p.streams.streams.size).toBe(1);
  });
});
