import type { FunctionName } from '../lib/topology';

/** What the local gateway's HTTP API and WebSocket API share. */
export interface GatewayContext {
  /** Runs a topology function with the gateway's integration timeout. */
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  log(line: string): void;
  /** Every route (and WebSocket upgrade) answers 503 until this is true. */
  isReady(): boolean;
  apiId: string;
  /** The port the gateway listens on (0 until it listens). */
  localPort(): number;
}
