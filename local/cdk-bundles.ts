import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FUNCTION_NAMES, type FunctionName } from '../lib/topology';

/**
 * The synthesised Lambda bundles in a cloud assembly (`cdk.out` after `cdk synth`), matched to the
 * topology's functions through the stack template: each AWS::Lambda::Function's FunctionName
 * (`<stack>-<function>`), its Handler (`index.handler`) and its asset directory (`aws:asset:path`).
 * These are the very files `cdk deploy` uploads.
 */

export interface FunctionBundle {
  /** The bundled module, e.g. `<cdk.out>/asset.<hash>/index.js`. */
  entry: string;
  exportName: string;
  /** The asset directory: everything the function may load lives here. */
  assetDir: string;
}

interface TemplateFunction {
  Type: string;
  Properties?: { FunctionName?: unknown; Handler?: unknown };
  Metadata?: Record<string, unknown>;
}

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new Error(`${file} not found: run \`npx cdk synth\` first`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The one CloudFormation stack of the assembly: its name and template file. */
function stackOf(dir: string): { stackName: string; templateFile: string } {
  const manifest = readJson(join(dir, 'manifest.json')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(
    ([, a]) => a.type === 'aws:cloudformation:stack',
  );
  if (stacks.length !== 1) throw new Error(`${dir} holds ${stacks.length} stacks; expected exactly one`);
  const [id, artifact] = stacks[0]!;
  return {
    stackName: artifact.properties?.stackName ?? id,
    templateFile: artifact.properties?.templateFile ?? '',
  };
}

function bundleOf(dir: string, resource: TemplateFunction, functionName: string): FunctionBundle {
  const assetPath = resource.Metadata?.['aws:asset:path'];
  const handler = resource.Properties?.Handler;
  if (typeof assetPath !== 'string' || typeof handler !== 'string') {
    throw new Error(
      `${functionName}: no asset path or handler in the template (synthesise with asset metadata)`,
    );
  }
  const dot = handler.lastIndexOf('.');
  const assetDir = resolve(dir, assetPath);
  const entry = join(assetDir, `${handler.slice(0, dot)}.js`);
  if (!existsSync(entry)) throw new Error(`${functionName}: bundle ${entry} not found`);
  return { entry, exportName: handler.slice(dot + 1), assetDir };
}

/** Every topology function's bundle; throws if the template and the topology disagree about the functions. */
export function readFunctionBundles(cloudAssemblyDir: string): Record<FunctionName, FunctionBundle> {
  const dir = resolve(cloudAssemblyDir);
  const { stackName, templateFile } = stackOf(dir);
  const template = readJson(join(dir, templateFile)) as { Resources?: Record<string, TemplateFunction> };
  const functions = Object.values(template.Resources ?? {}).filter((r) => r.Type === 'AWS::Lambda::Function');
  const byName = new Map(functions.map((r) => [String(r.Properties?.FunctionName), r]));
  const expected = new Set(FUNCTION_NAMES.map((name) => `${stackName}-${name}`));
  const unknown = [...byName.keys()].filter((name) => !expected.has(name));
  if (unknown.length > 0)
    throw new Error(`the template has functions the topology does not: ${unknown.join(', ')}`);
  const bundles = {} as Record<FunctionName, FunctionBundle>;
  for (const name of FUNCTION_NAMES) {
    const resource = byName.get(`${stackName}-${name}`);
    if (!resource) throw new Error(`the template has no function ${stackName}-${name}`);
    bundles[name] = bundleOf(dir, resource, `${stackName}-${name}`);
  }
  return bundles;
}
