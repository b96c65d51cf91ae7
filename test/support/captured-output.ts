/**
 * Everything this process writes to stdout and stderr (handler logs go there) from `start()` until
 * `stop()`, kept instead of printed, so a test can check that no PII, secret or token was logged.
 */
export class CapturedOutput {
  readonly lines: string[] = [];
  private readonly restore: Array<() => void> = [];

  start(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array) => {
        this.lines.push(String(chunk));
        return true;
      }) as typeof stream.write;
      this.restore.push(() => {
        stream.write = original as typeof stream.write;
      });
    }
  }

  /** Also keeps lines handed over directly (e.g. the local stack's `log` option). */
  add = (line: string): void => {
    this.lines.push(line);
  };

  text(): string {
    return this.lines.join('\n');
  }

  stop(): void {
    for (const undo of this.restore.splice(0)) undo();
  }
}
