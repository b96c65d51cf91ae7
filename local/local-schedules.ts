import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { TOPOLOGY } from '../lib/topology';
import { invokeHandler } from './lambda-invoke';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './local-account';
import type { LocalHandlers } from './local-functions';
import { localFunctionName } from './local-names';

/**
 * The topology's schedules on one machine: each function invoked every `local.intervalMs` with the event
 * an EventBridge schedule sends. Unlike EventBridge, an invocation never overlaps the previous one of the
 * same schedule (there is no concurrency to gain on one machine); a failure is logged, the next tick runs.
 */

export interface LocalSchedules {
  /** Waits for the running invocations; no new one starts. */
  stop(): Promise<void>;
}

/** The event an EventBridge schedule rule sends to its target. */
export function scheduledEvent(ruleName: string, time = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${ruleName}`],
    detail: {},
  };
}

export function startLocalSchedules(opts: {
  handlers: LocalHandlers;
  log?: (line: string) => void;
  /** Test hook: another interval for every schedule. */
  intervalMs?: number;
}): LocalSchedules {
  let stopping = false;
  const running = new Set<Promise<unknown>>();
  const timers = TOPOLOGY.schedules.map((schedule) => {
    const functionName = localFunctionName(schedule.function);
    const timeoutMs = TOPOLOGY.functions[schedule.function].timeoutSeconds * 1000;
    let busy = false;
    return setInterval(() => {
      if (busy || stopping) return;
      busy = true;
      const event = scheduledEvent(`${functionName}-schedule`);
      const invocation = Promise.resolve()
        .then(() => invokeHandler(opts.handlers[schedule.function], functionName, event, timeoutMs))
        .catch((err: unknown) => opts.log?.(`[${functionName} ← schedule] failed (${(err as Error)?.name})`))
        .finally(() => {
          busy = false;
          running.delete(invocation);
        });
      running.add(invocation);
    }, opts.intervalMs ?? schedule.local.intervalMs);
  });
  return {
    async stop() {
      stopping = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.all([...running]);
    },
  };
}
