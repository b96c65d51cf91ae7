import WebSocket from 'ws';

/**
 * The original Receiver on the wire (nodejs-driver `src/receiver.ts`): `${egressUrl}/ws?asJson=true` with
 * the bearer token in the upgrade's Authorization header; every text frame is one JSON event; it sends
 * nothing and never reconnects.
 */
export class Receiver {
  readonly events: Record<string, unknown>[] = [];
  private socket: WebSocket | undefined;

  async connect(egressUrl: string, token: string): Promise<void> {
    const socket = new WebSocket(`${egressUrl}/ws?asJson=true`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    this.socket = socket;
    socket.on('message', (data) => this.events.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade answered ${res.statusCode}`)),
      );
    });
  }

  close(): void {
    this.socket?.close();
  }
}
