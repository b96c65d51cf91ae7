import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where an event source mapping remembers the last sequence number it finished, per shard. */
export interface CheckpointStore {
  load(shardId: string): Promise<string | undefined>;
  save(shardId: string, sequenceNumber: string): Promise<void>;
}

function safeName(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Checkpoints as `<dir>/<function>-<stream>-<shard>.json`, written atomically (temporary file, then
 * rename) so a crash never leaves a half-written checkpoint.
 */
export function fileCheckpointStore(dir: string, functionName: string, streamName: string): CheckpointStore {
  const fileOf = (shardId: string) =>
    join(dir, `${safeName(functionName)}-${safeName(streamName)}-${safeName(shardId)}.json`);
  return {
    async load(shardId) {
      try {
        const parsed = JSON.parse(await readFile(fileOf(shardId), 'utf8')) as { sequenceNumber?: unknown };
        return typeof parsed.sequenceNumber === 'string' ? parsed.sequenceNumber : undefined;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async save(shardId, sequenceNumber) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = fileOf(shardId);
      const tmp = `${file}.${process.pid}.tmp`;
      const checkpoint = `${JSON.stringify({ sequenceNumber, updatedAt: new Date().toISOString() })}\n`;
      await writeFile(tmp, checkpoint, { mode: 0o600 });
      await rename(tmp, file);
    },
  };
}

/** Checkpoints that live as long as the process (no data directory). */
export function memoryCheckpointStore(): CheckpointStore {
  const checkpoints = new Map<string, string>();
  return {
    load: async (shardId) => checkpoints.get(shardId),
    save: async (shardId, sequenceNumber) => {
      checkpoints.set(shardId, sequenceNumber);
    },
  };
}
