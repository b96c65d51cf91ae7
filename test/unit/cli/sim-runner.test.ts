import { runSimulation, type SendResult } from '../../../cli/sim-runner';

/** A send function whose responses the test releases one by one. */
function controlledSend() {
  const pending: ((result: SendResult) => void)[] = [];
  let inFlight = 0;
  let maxSeen = 0;
  const send = () =>
    new Promise<SendResult>((resolve) => {
      inFlight += 1;
      maxSeen = Math.max(maxSeen, inFlight);
      pending.push((result) => {
        inFlight -= 1;
        resolve(result);
      });
    });
  return { send, pending, maxSeen: () => maxSeen };
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('the simulation loop', () => {
  it('never has more than maxInFlight requests outstanding', async () => {
    const control = controlledSend();
    const run = runSimulation({
      intervalMs: 0,
      count: 10,
      maxInFlight: 2,
      nextEvent: () => ({}),
      send: control.send,
    });
    let answered = 0;
    while (answered < 10) {
      await settle();
      const next = control.pending.shift();
      if (next) {
        next({ status: 204, body: '' });
        answered += 1;
      }
    }
    expect(await run).toEqual({ accepted: 10, rejected: undefined });
    expect(control.maxSeen()).toBe(2);
  });

  it('stops sending after the first rejected event and reports it', async () => {
    let sent = 0;
    const result = await runSimulation({
      intervalMs: 0,
      count: 50,
      maxInFlight: 1,
      nextEvent: () => ({}),
      send: async () => {
        sent += 1;
        return sent === 3 ? { status: 403, body: 'stream disabled' } : { status: 204, body: '' };
      },
    });
    expect(result).toEqual({ accepted: 2, rejected: { status: 403, body: 'stream disabled' } });
    expect(sent).toBe(3);
  });

  it('rethrows a network failure after the requests in flight finish', async () => {
    await expect(
      runSimulation({
        intervalMs: 0,
        count: 5,
        nextEvent: () => ({}),
        send: async () => {
          throw new Error('ECONNRESET');
        },
      }),
    ).rejects.toThrow('ECONNRESET');
  });

  it('sends nothing when already aborted', async () => {
    let sent = 0;
    const result = await runSimulation({
      intervalMs: 0,
      signal: AbortSignal.abort(),
      nextEvent: () => ({}),
      send: async () => {
        sent += 1;
        return { status: 204, body: '' };
      },
    });
    expect(result.accepted).toBe(0);
    expect(sent).toBe(0);
  });
});
