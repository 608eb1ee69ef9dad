/**
 * A one-line progress bar on stderr for work that takes more than a couple of seconds. It stays
 * silent when stderr is not a terminal (scripts, CI, logs) and until two seconds have passed.
 */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private lastDrawAt = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly delayMs = 2000,
  ) {}

  update(done: number, total: number, detail = ''): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (now - this.startedAt < this.delayMs || now - this.lastDrawAt < 200) return;
    this.lastDrawAt = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const elapsed = (now - this.startedAt) / 1000;
    const eta = fraction > 0.01 ? ` ~${Math.ceil((elapsed / fraction) * (1 - fraction))}s left` : '';
    this.stream.write(`\r${this.label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%${eta} ${detail}`.slice(0, 120).padEnd(100));
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write(`\r${' '.repeat(100)}\r`);
    this.drawn = false;
  }
}
