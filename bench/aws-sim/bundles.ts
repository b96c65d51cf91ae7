import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { findProjectRoot } from '../../lib/project-root';
import { type FunctionName, TOPOLOGY } from '../../lib/topology';

/**
 * A function's bundle as `cdk deploy` makes it (lib/handler-function.ts: esbuild, CommonJS, minified, class
 * names kept, the AWS SDK bundled in), built into a temporary directory. Returns the bundle's path.
 */
export async function bundleFunction(name: FunctionName): Promise<string> {
  const root = findProjectRoot(__dirname);
  const outfile = join(mkdtempSync(join(tmpdir(), `ps-bundle-${name}-`)), 'index.js');
  await build({
    entryPoints: [join(root, TOPOLOGY.functions[name].entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  return outfile;
}
