/**
 * The run's overall fraction with several steps in flight: steps finished (or held back) count
 * whole, each step in flight counts with its own fraction. It never goes back: a step's fraction
 * only grows, and a step leaves "in flight" only by counting whole.
 */
export class OverallProgress {
  readonly #inFlight = new Map<string, number>();
  #whole = 0;
  #last = 0;

  constructor(private readonly total: number) {}

  /** Sets `step`'s fraction (0..1) and returns the run's overall fraction. */
  step(step: string, fraction: number): number {
    const before = this.#inFlight.get(step) ?? 0;
    this.#inFlight.set(step, Math.max(before, Math.min(1, fraction)));
    return this.#overall();
  }

  /** `step` is finished (or will not run in this run): it counts whole from now on. */
  settle(step: string): number {
    this.#inFlight.delete(step);
    this.#whole++;
    return this.#overall();
  }

  #overall(): number {
    if (!this.total) return 1;
    let sum = this.#whole;
    for (const f of this.#inFlight.values()) sum += f;
    this.#last = Math.max(this.#last, Math.min(1, sum / this.total));
    return this.#last;
  }
}
