// A tier's progress from bytes done: several parts (disks) each report done/total, and the tier
// reports their sum as a share of its band of the operation's percent.
export interface ProgressSink {
  progress(percent: number, message?: string): Promise<void>;
}

export class ByteProgress {
  readonly #sink: ProgressSink;
  readonly #from: number;
  readonly #to: number;
  readonly #done: number[];
  readonly #total: number[];

  /** `estimates`: each part's expected bytes, until the part reports its own total. */
  constructor(sink: ProgressSink, from: number, to: number, estimates: readonly number[]) {
    this.#sink = sink;
    this.#from = from;
    this.#to = to;
    this.#done = estimates.map(() => 0);
    this.#total = [...estimates];
  }

  report(part: number, done: number, total: number): void {
    this.#done[part] = done;
    this.#total[part] = total;
    const all = this.#total.reduce((a, b) => a + b, 0);
    const sum = this.#done.reduce((a, b) => a + b, 0);
    const share = all > 0 ? Math.min(1, sum / all) : 1;
    // The worker throttles and fences the writes; a lost lease shows in the job's signal.
    void this.#sink.progress(this.#from + (this.#to - this.#from) * share).catch(() => undefined);
  }
}
