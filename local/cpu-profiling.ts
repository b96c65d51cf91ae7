/**
 * `STRM_CPU_PROF_DIR=<dir>` (the launcher's environment, never a function's): every worker thread of the
 * local stack (function workers, the emulator thread) writes a V8 CPU profile (`node --cpu-prof`) into
 * that directory when it stops — what `npm run bench` and `npm start` spend in each, next to the main
 * thread's own `--cpu-prof`. The worker's `execArgv`.
 */
export function profilingFlags(): string[] {
  const dir = process.env.STRM_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
