import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildConsoleSync } from './build';

/** `npm run build:console [dir]`: the console's files into a directory (default console/dist), to look at or host. */
const outDir = resolve(process.argv[2] ?? 'console/dist');
mkdirSync(outDir, { recursive: true });
buildConsoleSync(outDir);
console.log(`console built into ${outDir}`);
