/**
 * At most `maxPerWindow` lines per window of `windowMs`; the lines held back are counted, and the next line
 * let through says how many there were. So a stalled subscriber or a flood of failures costs a few log
 * lines a minute, not one per event.
 */
export class LogRateLimit {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;
  private readonly now: () => number;

  constructor(private readonly opts: { maxPerWindow: number; windowMs: number; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** Whether a line may be written now; when it may, how many were held back before it. */
  take(): { allowed: true; suppressed: number } | { allowed: false } {
    const now = this.now();
    if (now - this.windowStart >= this.opts.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.opts.maxPerWindow) {
      this.suppressed++;
      return { allowed: false };
    }
    this.used++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { allowed: true, suppressed };
  }
}
