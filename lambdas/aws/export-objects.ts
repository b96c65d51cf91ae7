import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportObjects } from '../use-cases/export/ports';
import type { ExportFileStore } from '../use-cases/management/ports';

/** S3 as the export use cases see it: staged parts and files (JSON Lines), listing and download URLs. */

const JSON_LINES = 'application/x-ndjson';
const DELETE_LIMIT = 1000;
/** Download URLs are short-lived: long enough to start the download, not to be passed around. */
export const DOWNLOAD_URL_SECONDS = 300;

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

export class S3ExportObjects implements ExportObjects, ExportFileStore {
  constructor(private readonly opts: { s3: S3Client; now?: () => number }) {}

  async put(bucket: string, key: string, body: string): Promise<void> {
    await this.opts.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: JSON_LINES }),
    );
  }

  async putIfAbsent(bucket: string, key: string, body: string): Promise<'written' | 'exists'> {
    try {
      await this.opts.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: JSON_LINES,
          IfNoneMatch: '*',
        }),
      );
      return 'written';
    } catch (error) {
      // 412: the object is there. 409: a concurrent conditional write of the same key is in flight.
      const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
      if (status === 412) return 'exists';
      throw error;
    }
  }

  async get(bucket: string, key: string): Promise<string | undefined> {
    try {
      const result = await this.opts.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await result.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(bucket: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_LIMIT) {
      const chunk = keys.slice(i, i + DELETE_LIMIT);
      const result = await this.opts.s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if ((result.Errors ?? []).length > 0) throw new Error(`${result.Errors!.length} objects not deleted`);
    }
  }

  async list(bucket: string, prefix: string, after?: string) {
    const result = await this.opts.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: after, MaxKeys: 1000 }),
    );
    return {
      objects: (result.Contents ?? []).map((object) => ({
        key: object.Key ?? '',
        size: object.Size ?? 0,
        lastModified: (object.LastModified ?? new Date(0)).toISOString(),
      })),
      truncated: result.IsTruncated === true,
    };
  }

  async sizeOf(bucket: string, key: string): Promise<number | undefined> {
    try {
      const result = await this.opts.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return result.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async downloadUrl(bucket: string, key: string): Promise<{ url: string; expiresAt: string }> {
    const now = (this.opts.now ?? Date.now)();
    const url = await getSignedUrl(this.opts.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: DOWNLOAD_URL_SECONDS,
    });
    return { url, expiresAt: new Date(now + DOWNLOAD_URL_SECONDS * 1000).toISOString() };
  }
}
