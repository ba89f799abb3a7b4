/**
 * A token bucket on wire bytes, in "debt" form: a send is allowed while the balance is not negative and
 * then charges its full size, so one batch may overdraw and the next waits until the debt is repaid.
 * Over any window of T seconds at most `rate × (T + burstS)` bytes plus one batch go out.
 */
export class ByteThrottle {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: () => number;
  #balance: number;
  #at: number;

  constructor(opts: { bytesPerSecond: number; burstSeconds?: number; clock: () => number }) {
    this.#rate = opts.bytesPerSecond;
    this.#burst = opts.bytesPerSecond * (opts.burstSeconds ?? 1);
    this.#clock = opts.clock;
    this.#balance = this.#burst;
    this.#at = opts.clock();
  }

  /** Milliseconds to wait before the next throttled send (0 = now). */
  waitMs(): number {
    this.#refill();
    return this.#balance >= 0 ? 0 : Math.ceil((-this.#balance / this.#rate) * 1000);
  }

  charge(bytes: number): void {
    this.#refill();
    this.#balance -= bytes;
  }

  #refill(): void {
    const now = this.#clock();
    const dt = Math.max(0, now - this.#at) / 1000;
    this.#at = now;
    this.#balance = Math.min(this.#burst, this.#balance + dt * this.#rate);
  }
}
