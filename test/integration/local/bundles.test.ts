import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_NAMES, type FunctionName } from '../../../lib/topology';
import { readFunctionBundles } from '../../../local/cdk-bundles';
import { type LocalStack, startLocalStack } from '../../../local/stack';

/**
 * Bundle mode: the local stack runs the Lambda bundles of a cloud assembly, found through its template
 * like `cdk deploy` finds them. The assemblies here are small stand-ins (every function is the echo
 * fixture) so the test needs no synth; the real bundles run in the `.ci/run` step `npm run tour:bundles`.
 */

const FIXTURES = join(__dirname, '../../fixtures/functions');

interface Seen {
  env: Record<string, string>;
  functionName: string;
  memory: string;
  threadId: number;
}

/** Writes a one-stack cloud assembly whose functions are copies of `sources` (default: the echo fixture). */
function writeAssembly(
  dir: string,
  opts: {
    stackName?: string;
    functions?: readonly string[];
    sources?: Partial<Record<FunctionName, string[]>>;
  } = {},
): void {
  const stackName = opts.stackName ?? 'privacy-streams';
  const resources: Record<string, unknown> = {};
  for (const name of opts.functions ?? FUNCTION_NAMES) {
    const asset = `asset.${name}`;
    mkdirSync(join(dir, asset), { recursive: true });
    const [main, ...others] = opts.sources?.[name as FunctionName] ?? ['echo.js'];
    copyFileSync(join(FIXTURES, main!), join(dir, asset, 'index.js'));
    for (const other of others) copyFileSync(join(FIXTURES, other), join(dir, asset, other));
    resources[`${name.replace(/-/g, '')}Function`] = {
      Type: 'AWS::Lambda::Function',
      Properties: { FunctionName: `${stackName}-${name}`, Handler: 'index.handler' },
      Metadata: { 'aws:asset:path': asset, 'aws:asset:property': 'Code' },
    };
  }
  writeFileSync(join(dir, `${stackName}.template.json`), JSON.stringify({ Resources: resources }));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        [stackName]: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: `${stackName}.template.json` },
        },
        Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
      },
    }),
  );
}

describe('finding the bundles in a cloud assembly', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-assembly-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('matches every topology function to its asset through FunctionName and Handler', () => {
    // Prepare
    writeAssembly(dir, { stackName: 'strm-dev' });
    // Act
    const bundles = readFunctionBundles(dir);
    // Assess
    expect(Object.keys(bundles).sort()).toEqual([...FUNCTION_NAMES].sort());
    expect(bundles['ws-connect']).toEqual({
      entry: join(dir, 'asset.ws-connect', 'index.js'),
      exportName: 'handler',
      assetDir: join(dir, 'asset.ws-connect'),
    });
  });

  it('refuses an assembly that lacks a topology function', () => {
    // Prepare
    writeAssembly(dir, { functions: FUNCTION_NAMES.filter((name) => name !== 'egress') });
    // Act
    const read = () => readFunctionBundles(dir);
    // Assess
    expect(read).toThrow('the template has no function privacy-streams-egress');
  });

  it('refuses an assembly with a function the topology does not have', () => {
    // Prepare
    writeAssembly(dir, { functions: [...FUNCTION_NAMES, 'archiver'] });
    // Act
    const read = () => readFunctionBundles(dir);
    // Assess
    expect(read).toThrow('the template has functions the topology does not: privacy-streams-archiver');
  });

  it('says to synthesise first when there is no assembly', () => {
    expect(() => readFunctionBundles(join(dir, 'missing'))).toThrow(/run `npx cdk synth` first/);
  });
});

describe('the local stack on bundles', () => {
  let assembly: string;
  let dataDir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    assembly = mkdtempSync(join(tmpdir(), 'ps-assembly-'));
    dataDir = mkdtempSync(join(tmpdir(), 'ps-bundles-data-'));
    writeAssembly(assembly);
    stack = await startLocalStack({ port: 0, dataDir, bundles: assembly, quiet: true, log: () => undefined });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(assembly, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (path: string, init?: RequestInit): Promise<Seen> => {
    const response = await fetch(`${stack.apiUrl}${path}`, init);
    expect(response.status).toBe(200);
    return (await response.json()) as Seen;
  };

  it('runs the bundles, each function loading nothing but its own asset', async () => {
    // Act
    const loaded = await stack.loadedModules();
    // Assess
    expect(stack.code).toBe('bundles');
    for (const name of FUNCTION_NAMES)
      expect(loaded[name]).toEqual([join(assembly, `asset.${name}`, 'index.js')]);
  });

  it('gives the health function exactly its own environment: no table, stream or key', async () => {
    // Act
    const seen = await call('/ready');
    // Assess
    expect(seen.env).toEqual(stack.environmentOf('health'));
    expect(Object.keys(seen.env).filter((v) => /_TABLE$|_STREAM$|^KMS_KEY_ID$/.test(v))).toEqual([]);
    expect(seen).toMatchObject({ functionName: 'ps-local-health', memory: '128' });
  });

  it('gives ingest its tables, its stream and the key, and nothing of management', async () => {
    // Act
    const seen = await call('/event', { method: 'POST', body: '{}' });
    // Assess
    expect(seen.env).toEqual(stack.environmentOf('ingest'));
    expect(seen.env).toMatchObject({ SOURCE_EVENTS_STREAM: 'ps-source-events', STREAMS_TABLE: 'ps-streams' });
    expect(seen.env).not.toHaveProperty('ACCOUNTS_TABLE');
    expect(seen.env).not.toHaveProperty('SIGNUP_MODE');
    expect(seen).toMatchObject({ functionName: 'ps-local-ingest', memory: '512' });
  });

  it('runs each function in a thread of its own', async () => {
    // Act
    const threads = await Promise.all([call('/ready'), call('/event', { method: 'POST' }), call('/v1/me')]);
    // Assess
    expect(new Set(threads.map((seen) => seen.threadId)).size).toBe(3);
  });
});

describe('bundle mode refuses TypeScript', () => {
  it('does not start a stack whose bundle requires a TypeScript module, and leaves nothing running', async () => {
    // Prepare
    const broken = mkdtempSync(join(tmpdir(), 'ps-assembly-'));
    const sound = mkdtempSync(join(tmpdir(), 'ps-assembly-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'ps-bundles-data-'));
    writeAssembly(broken, { sources: { ingest: ['requires-typescript.js', 'typed.ts'] } });
    writeAssembly(sound);
    const quiet = { port: 0, dataDir, quiet: true, log: () => undefined };
    try {
      // Act
      const started = startLocalStack({ ...quiet, bundles: broken });
      // Assess
      await expect(started).rejects.toThrow(
        /ps-local-ingest could not load .*bundle mode refuses TypeScript module/,
      );
      // Nothing kept the data directory: a stack starts on it at once.
      const next = await startLocalStack({ ...quiet, bundles: sound });
      await next.stop();
    } finally {
      for (const dir of [broken, sound, dataDir]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
