import { connect, type Socket } from 'node:net';

/**
 * A lean HTTP/1.1 client for load generation: keep-alive sockets writing whole requests at once and
 * reading only the status line, the headers it needs (Content-Length, chunked) and the body. node:http's
 * client costs the load core more per request than the servers under test do (measured: it could not
 * keep one server core busy with single-event POSTs), so the bench drives them with this.
 */

export interface RawResponse {
  status: number;
  body: string;
}

interface Pending {
  request: Buffer;
  resolve: (response: RawResponse) => void;
  reject: (error: Error) => void;
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private current: Pending | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly next: () => Pending | undefined,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  get idle(): boolean {
    return this.current === undefined;
  }

  start(pending: Pending): void {
    this.current = pending;
    this.socket.write(pending.request);
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(error: Error): void {
    const current = this.current;
    this.current = undefined;
    current?.reject(error);
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const response = this.parse();
      if (!response) return;
      const done = this.current;
      this.current = undefined;
      done?.resolve(response);
      const following = this.next();
      if (following) this.start(following);
    }
  }

  /** One complete response off the front of the buffer, if there is one. */
  private parse(): RawResponse | undefined {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd === -1) return undefined;
    const head = this.buffer.subarray(0, headEnd).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const start = headEnd + 4;
    if (length) {
      const end = start + Number(length[1]);
      if (this.buffer.length < end) return undefined;
      const body = this.buffer.subarray(start, end).toString('utf8');
      this.buffer = this.buffer.subarray(end);
      return { status, body };
    }
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return this.parseChunked(status, start);
    this.buffer = this.buffer.subarray(start);
    return { status, body: '' };
  }

  private parseChunked(status: number, start: number): RawResponse | undefined {
    const parts: Buffer[] = [];
    let position = start;
    for (;;) {
      const lineEnd = this.buffer.indexOf('\r\n', position);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(this.buffer.subarray(position, lineEnd).toString('latin1'), 16);
      const dataEnd = lineEnd + 2 + size;
      if (this.buffer.length < dataEnd + 2) return undefined;
      if (size === 0) {
        this.buffer = this.buffer.subarray(dataEnd + 2);
        return { status, body: Buffer.concat(parts).toString('utf8') };
      }
      parts.push(this.buffer.subarray(lineEnd + 2, dataEnd));
      position = dataEnd + 2;
    }
  }
}

/** A pool of `connections` keep-alive sockets to one host; requests wait for a free one. */
export class RawHttpClient {
  private readonly connections: Connection[] = [];
  private readonly queue: Pending[] = [];

  private constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  static async open(url: string, connections: number): Promise<RawHttpClient> {
    const { hostname, port } = new URL(url);
    const client = new RawHttpClient(hostname, Number(port));
    await Promise.all(Array.from({ length: connections }, () => client.addConnection()));
    return client;
  }

  /** A POST with a body; the host header and Content-Length are added. */
  post(path: string, headers: Record<string, string>, body: string): Promise<RawResponse> {
    const bytes = Buffer.from(body, 'utf8');
    const lines = [
      `POST ${path} HTTP/1.1`,
      `host: ${this.host}:${this.port}`,
      `content-length: ${bytes.length}`,
    ];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    const request = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]);
    return new Promise((resolve, reject) => {
      const pending = { request, resolve, reject };
      const free = this.connections.find((connection) => connection.idle);
      if (free) free.start(pending);
      else this.queue.push(pending);
    });
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }

  private addConnection(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, this.host, () => resolve());
      socket.once('error', reject);
      this.connections.push(new Connection(socket, () => this.queue.shift()));
    });
  }
}
