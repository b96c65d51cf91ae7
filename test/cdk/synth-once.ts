import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { synthPrivacyStreams } from './synth-stack';

/**
 * The deployed stack synthesised once per test run, with real esbuild bundling of every handler: jest's
 * globalSetup of the cdk project (jest.config.js) writes the templates and the cloud assembly here, and
 * each suite loads them instead of synthesising the same stack again. Suites that need the construct tree
 * (cdk-nag) or another configuration still synthesise their own.
 */
const DIR_VARIABLE = 'PS_CDK_SYNTHESIZED_DIR';

export interface SynthesizedTemplates {
  /** The stack's template. */
  template: Template;
  /** The console's nested stack's template. */
  console: Template;
  stackName: string;
  /** The cloud assembly directory (asset.<hash>/ folders of the bundled handlers). */
  outdir: string;
}

interface Written {
  stackName: string;
  outdir: string;
}

/** Synthesises the stack into `dir`: template.json, console.json, stack.json and the assembly. */
function synthesizeInto(dir: string): void {
  const outdir = join(dir, 'cdk.out');
  mkdirSync(outdir, { recursive: true });
  const { stack, template } = synthPrivacyStreams({ outdir });
  writeFileSync(join(dir, 'template.json'), JSON.stringify(template.toJSON()));
  writeFileSync(join(dir, 'console.json'), JSON.stringify(Template.fromStack(stack.console).toJSON()));
  writeFileSync(join(dir, 'stack.json'), JSON.stringify({ stackName: stack.stackName, outdir }));
}

/** jest globalSetup: one synthesis for every suite of the run (the workers inherit the variable). */
export default function globalSetup(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ps-cdk-synth-'));
  synthesizeInto(dir);
  process.env[DIR_VARIABLE] = dir;
}

/** jest globalTeardown: removes what globalSetup wrote. */
export function globalTeardown(): void {
  const dir = process.env[DIR_VARIABLE];
  if (dir) rmSync(dir, { recursive: true, force: true });
}

let loaded: SynthesizedTemplates | undefined;

/**
 * The run's synthesised stack. Run outside the cdk project's globalSetup (another jest config), it
 * synthesises once for this suite instead.
 */
export function synthesizedTemplates(): SynthesizedTemplates {
  if (loaded) return loaded;
  let dir = process.env[DIR_VARIABLE];
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'ps-cdk-synth-'));
    synthesizeInto(dir);
    process.env[DIR_VARIABLE] = dir;
  }
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
  const written = read('stack.json') as Written;
  loaded = {
    template: Template.fromJSON(read('template.json')),
    console: Template.fromJSON(read('console.json')),
    ...written,
  };
  return loaded;
}
