/**
 * A process-wide cap on calls in flight: past it, callers wait their turn in order. It keeps many
 * concurrent requests from piling more calls on storage than it can answer within its timeout.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((turn) => this.waiting.push(turn));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
