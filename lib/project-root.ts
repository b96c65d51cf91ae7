import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The folder holding package.json, found by walking up from `start`. Entry paths are resolved from it
 * so they stay right whether the app runs through tsx (bin/, lib/) or from compiled output elsewhere.
 */
export function findProjectRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
}
