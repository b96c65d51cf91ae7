import type { Command } from 'commander';
import { formatJson, formatTable } from '../output';
import { type CliRuntime, commandContext, type GlobalOptions } from '../runtime';
import {
  DEFAULT_USAGE_BY,
  formatLocalTime,
  planUsage,
  type UsageWindowRow,
  usageRows,
} from '../usage-report';
import { verb } from './verbs';

interface UsageFlags {
  from?: string;
  until?: string;
  by?: string;
}

const COLUMNS = ['from', 'count', 'duration', 'change', 'rate'] as const;

/** The time zone for reading and printing times: `TZ` when it names one, else the system's. */
function timeZoneOf(env: NodeJS.ProcessEnv): string | undefined {
  const zone = env.TZ;
  if (zone === undefined || zone === '') return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

function cells(row: UsageWindowRow, timeZone: string | undefined): string[] {
  return [
    formatLocalTime(row.fromMs, timeZone),
    String(row.count),
    String(row.duration),
    String(row.change),
    row.rate.toFixed(2),
  ];
}

/** `strm get usage STREAM [--from --until --by]`: events received per window, as table, csv or json. */
export function registerUsageCommand(program: Command, runtime: CliRuntime): void {
  verb(program, 'get', 'show one entity')
    .command('usage')
    .description(
      'events a stream received per window (default: the last 24 h by 15 minutes); -o csv|json|table',
    )
    .argument('<stream>', 'stream name')
    .option('--from <time>', 'start, YYYY/M/D-HH:mm local time or ISO 8601 (default: 24 h before --until)')
    .option('--until <time>', 'end, same formats (default: now)')
    .option('--by <interval>', `window length: seconds, or 15m, 1h, 1d … (default ${DEFAULT_USAGE_BY})`)
    .action(async (stream: string, flags: UsageFlags, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>(), ['table', 'csv', 'json']);
      const timeZone = timeZoneOf(runtime.env);
      const plan = planUsage(flags, Date.now(), timeZone);
      const buckets = await ctx.session.call((token) =>
        ctx.api.streamUsage(token, stream, {
          from: new Date(plan.fromMs).toISOString(),
          until: new Date(plan.untilMs).toISOString(),
          by: plan.apiBucket,
        }),
      );
      const rows = usageRows(plan, buckets);
      if (ctx.output === 'json') {
        runtime.stdout.write(
          formatJson({
            stream,
            from: new Date(plan.fromMs).toISOString(),
            until: new Date(plan.untilMs).toISOString(),
            by: plan.intervalMs / 1000,
            windows: rows.map(({ fromMs, count, duration, change, rate }) => ({
              from: new Date(fromMs).toISOString(),
              count,
              duration,
              change,
              rate,
            })),
          }),
        );
      } else if (ctx.output === 'csv') {
        const lines = [COLUMNS.join(','), ...rows.map((row) => cells(row, timeZone).join(','))];
        runtime.stdout.write(`${lines.join('\n')}\n`);
      } else {
        runtime.stdout.write(
          formatTable(
            COLUMNS.map((column) => column.toUpperCase()),
            rows.map((row) => cells(row, timeZone)),
          ),
        );
      }
    });
}
