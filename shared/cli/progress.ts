/** Where progress goes: a TTY gets one redrawn bar, anything else a plain line now and then. */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressState {
  /** 0..1, or undefined when the total is unknown. */
  fraction?: number;
  /** Rows per second so far in this phase. */
  rate: number;
  detail: string;
}

const TTY_REDRAW_MS = 100;
const PLAIN_LINE_MS = 5000;
const BAR_WIDTH = 24;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const formatCount = (n: number) => integer.format(n);

export class Progress {
  private phase = '';
  private phaseStarted = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(phase: string): void {
    this.finishLine();
    this.phase = phase;
    this.phaseStarted = this.now();
    this.lastDraw = 0;
    if (!this.out.isTTY) this.out.write(`${phase}...\n`);
  }

  /** Seconds since the phase started. */
  elapsed(): number {
    return (this.now() - this.phaseStarted) / 1000;
  }

  update(state: () => ProgressState, force = false): void {
    const now = this.now();
    const interval = this.out.isTTY ? TTY_REDRAW_MS : PLAIN_LINE_MS;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const line = this.render(state());
    if (this.out.isTTY) {
      const width = Math.max(40, (this.out.columns || 120) - 1);
      this.out.write(`\r${line.slice(0, width)}\x1b[K`);
      this.drawn = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** A message between redraws, e.g. a warning. */
  log(message: string): void {
    this.finishLine();
    this.out.write(`${message}\n`);
  }

  finishLine(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private render(state: ProgressState): string {
    const parts = [this.phase.padEnd(8)];
    if (state.fraction !== undefined) {
      const f = Math.min(1, Math.max(0, state.fraction));
      const filled = Math.round(f * BAR_WIDTH);
      if (this.out.isTTY) parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
      parts.push(`${Math.floor(f * 100)}%`.padStart(4));
    }
    parts.push(state.detail, `${formatCount(state.rate)} rows/s`);
    return parts.join('  ');
  }
}
