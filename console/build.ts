import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, buildSync } from 'esbuild';

/**
 * Builds the console (console/src, TypeScript + Preact, uPlot) with the project's esbuild into three
 * files: index.html, app.js and app.css. `npm start` builds it in memory at start; the CDK stack builds it
 * into the asset it uploads (lib/console-hosting.ts); both get the same files.
 */

export interface ConsoleFile {
  /** Relative to the console's root: `index.html`, `app.js`, `app.css`. */
  path: string;
  contents: Uint8Array;
}

const CONSOLE_DIR = __dirname;

function esbuildOptions() {
  return {
    entryPoints: { app: join(CONSOLE_DIR, 'src/main.tsx') },
    bundle: true,
    format: 'esm' as const,
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic' as const,
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none' as const,
    outdir: join(CONSOLE_DIR, 'out'),
    logLevel: 'silent' as const,
  };
}

/** The console's files, built in memory. */
export async function buildConsole(): Promise<ConsoleFile[]> {
  const result = await build({ ...esbuildOptions(), write: false });
  const files: ConsoleFile[] = result.outputFiles.map((f) => ({
    path: f.path.slice(join(CONSOLE_DIR, 'out').length + 1),
    contents: f.contents,
  }));
  files.push({ path: 'index.html', contents: readFileSync(join(CONSOLE_DIR, 'index.html')) });
  return files;
}

/** The same build written to a directory (the CDK asset's output directory). */
export function buildConsoleSync(outDir: string): void {
  buildSync({ ...esbuildOptions(), outdir: outDir, write: true });
  copyFileSync(join(CONSOLE_DIR, 'index.html'), join(outDir, 'index.html'));
}
