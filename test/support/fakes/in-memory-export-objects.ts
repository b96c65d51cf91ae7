import type { ExportObjects } from '../../../lambdas/use-cases/export/ports';
import type { ExportFileStore } from '../../../lambdas/use-cases/management/ports';

/**
 * In-memory stand-in for S3 as the export adapters use it: objects per bucket, conditional puts
 * (If-None-Match: *), listing in key order a page at a time (StartAfter), download URLs that name the
 * object. A bucket must exist (`buckets`) or every call on it fails like S3's NoSuchBucket; `failing`
 * buckets fail every write (a bucket whose permissions were revoked).
 */
export class InMemoryExportObjects implements ExportObjects, ExportFileStore {
  readonly objects = new Map<string, Map<string, { body: string; lastModified: string }>>();
  readonly failing = new Set<string>();
  /** Keys written, in order, per call (to see repeated writes). */
  readonly writes: string[] = [];

  constructor(
    buckets: readonly string[],
    private readonly opts: { pageSize?: number; now?: () => number } = {},
  ) {
    for (const bucket of buckets) this.objects.set(bucket, new Map());
  }

  async put(bucket: string, key: string, body: string): Promise<void> {
    this.writable(bucket).set(key, { body, lastModified: this.nowIso() });
    this.writes.push(`${bucket}/${key}`);
  }

  async putIfAbsent(bucket: string, key: string, body: string): Promise<'written' | 'exists'> {
    const objects = this.writable(bucket);
    if (objects.has(key)) return 'exists';
    objects.set(key, { body, lastModified: this.nowIso() });
    this.writes.push(`${bucket}/${key}`);
    return 'written';
  }

  async get(bucket: string, key: string): Promise<string | undefined> {
    return this.bucket(bucket).get(key)?.body;
  }

  async delete(bucket: string, keys: readonly string[]): Promise<void> {
    const objects = this.writable(bucket);
    for (const key of keys) objects.delete(key);
  }

  async list(bucket: string, prefix: string, after?: string) {
    const keys = [...this.bucket(bucket).keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || key > after))
      .sort();
    const page = keys.slice(0, this.opts.pageSize ?? 1000);
    return {
      objects: page.map((key) => {
        const object = this.bucket(bucket).get(key)!;
        return { key, size: Buffer.byteLength(object.body), lastModified: object.lastModified };
      }),
      truncated: keys.length > page.length,
    };
  }

  async sizeOf(bucket: string, key: string): Promise<number | undefined> {
    const object = this.bucket(bucket).get(key);
    return object === undefined ? undefined : Buffer.byteLength(object.body);
  }

  async downloadUrl(bucket: string, key: string): Promise<{ url: string; expiresAt: string }> {
    this.bucket(bucket);
    return { url: `memory://${bucket}/${key}`, expiresAt: new Date(this.time() + 300_000).toISOString() };
  }

  /** The keys of one bucket under a prefix, sorted. */
  keys(bucket: string, prefix = ''): string[] {
    return [...this.bucket(bucket).keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  private bucket(bucket: string) {
    const objects = this.objects.get(bucket);
    if (!objects)
      throw Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' });
    return objects;
  }

  private writable(bucket: string) {
    if (this.failing.has(bucket)) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    return this.bucket(bucket);
  }

  private time(): number {
    return (this.opts.now ?? Date.now)();
  }

  private nowIso(): string {
    return new Date(this.time()).toISOString();
  }
}
