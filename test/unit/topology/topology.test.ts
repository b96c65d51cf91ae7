import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { TABLES } from '../../../lambdas/aws/tables';
import { environmentOf } from '../../../lib/function-environment';
import { findProjectRoot } from '../../../lib/project-root';
import { FUNCTION_NAMES, type FunctionName, TOPOLOGY } from '../../../lib/topology';

/**
 * The topology is consistent in itself and with the code: every function's entry module exists and exports
 * a handler, everything a route or mapping names exists, every function is triggered by something, and
 * every variable a function's code requires is one the topology gives it.
 */

const ROOT = findProjectRoot(__dirname);
const names = new Set<string>(FUNCTION_NAMES);

describe('functions', () => {
  it.each(FUNCTION_NAMES)('%s: the entry module exists and exports a handler function', (name) => {
    // Prepare
    const entry = join(ROOT, TOPOLOGY.functions[name].entry);
    // Act
    const module = require(entry) as { handler?: unknown };
    // Assess
    expect(existsSync(entry)).toBe(true);
    expect(typeof module.handler).toBe('function');
  });

  it.each(FUNCTION_NAMES)('%s: memory and timeout are within the Lambda limits', (name) => {
    const { memoryMb, timeoutSeconds } = TOPOLOGY.functions[name];
    expect(memoryMb).toBeGreaterThanOrEqual(128);
    expect(memoryMb).toBeLessThanOrEqual(10_240);
    expect(timeoutSeconds).toBeGreaterThanOrEqual(1);
    expect(timeoutSeconds).toBeLessThanOrEqual(900);
  });

  it('every function is invoked by a route, the WebSocket API or an event-source mapping', () => {
    // Prepare
    const { connect, disconnect } = TOPOLOGY.webSocketApi;
    const triggered = new Set<string>([
      ...TOPOLOGY.httpApi.routes.map((r) => r.function),
      connect.function,
      connect.authorizer,
      disconnect.function,
      ...TOPOLOGY.eventSourceMappings.map((m) => m.function),
    ]);
    // Assess
    expect(FUNCTION_NAMES.filter((name) => !triggered.has(name))).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s: every table it may touch is a table of lambdas/aws/tables.ts', (name) => {
    const tables = Object.keys(TOPOLOGY.functions[name].access.tables ?? {});
    expect(tables.filter((t) => !(t in TABLES))).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s: no two sources name the same variable', (name) => {
    expect(() => environmentOf(name)).not.toThrow();
  });
});

describe('routes', () => {
  it('every HTTP route targets a topology function and has a unique route key', () => {
    // Prepare
    const keys = TOPOLOGY.httpApi.routes.map((r) => `${r.method} ${r.path}`);
    // Assess
    expect(TOPOLOGY.httpApi.routes.filter((r) => !names.has(r.function))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of TOPOLOGY.httpApi.routes) expect(route.path).toMatch(/^\//);
  });

  it('the WebSocket routes and the authorizer are topology functions', () => {
    const { connect, disconnect } = TOPOLOGY.webSocketApi;
    for (const name of [connect.function, connect.authorizer, disconnect.function])
      expect(names.has(name)).toBe(true);
  });
});

describe('event-source mappings', () => {
  it('every mapping reads a topology stream into a topology function, each pair once', () => {
    // Prepare
    const pairs = TOPOLOGY.eventSourceMappings.map((m) => `${m.function}<-${m.stream}`);
    // Assess
    for (const m of TOPOLOGY.eventSourceMappings) {
      expect(names.has(m.function)).toBe(true);
      expect(Object.keys(TOPOLOGY.eventStreams)).toContain(m.stream);
    }
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it.each(TOPOLOGY.eventSourceMappings.map((m) => [`${m.function} ← ${m.stream}`, m] as const))(
    '%s: settings within the Lambda limits for Kinesis',
    (_label, m) => {
      expect(m.batchSize).toBeGreaterThanOrEqual(1);
      expect(m.batchSize).toBeLessThanOrEqual(10_000);
      expect(m.maxBatchingWindowSeconds).toBeGreaterThanOrEqual(0);
      expect(m.maxBatchingWindowSeconds).toBeLessThanOrEqual(300);
      expect(m.parallelizationFactor).toBe(1); // the local poller emulates exactly one batch per shard
      expect(m.retryAttempts).toBeLessThanOrEqual(10_000);
      expect(m.maxRecordAgeSeconds).toBeGreaterThanOrEqual(60);
      expect(m.maxRecordAgeSeconds).toBeLessThanOrEqual(604_800);
      expect(m.local.pollIntervalMs).toBeGreaterThan(0);
    },
  );
});

describe('the code and the topology agree on variables', () => {
  /** Every project source file the function's entry module pulls in. */
  async function sourcesOf(name: FunctionName): Promise<string[]> {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [join(ROOT, TOPOLOGY.functions[name].entry)],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
    });
    return Object.keys(result.metafile.inputs).map((file) => join(ROOT, file));
  }

  it.each(FUNCTION_NAMES)(
    '%s: every requiredEnv(...) its code calls is a variable the topology gives it',
    async (name) => {
      // Prepare
      const given = new Set(environmentOf(name).map(([variable]) => variable));
      // Act
      const required = (await sourcesOf(name)).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/requiredEnv\('([A-Z0-9_]+)'\)/g)].map((m) => m[1]!),
      );
      // Assess
      expect(required.filter((variable) => !given.has(variable))).toEqual([]);
    },
  );
});
