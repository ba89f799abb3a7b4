/**
 * Seeded randomness for the simulator. Nothing here reads `Math.random`: the same seed and options give
 * the same boards, the same readings and, in backfill mode, byte-identical output.
 *
 * - `Rng` is sfc32 (small, fast, passes PractRand well past what a simulator draws), seeded from a string.
 * - `fork(label)` derives an independent stream, so each board and each fault draws from its own stream and
 *   switching one fault on does not shift the numbers every other part sees.
 * - `valueNoise` is a pure function of (seed, time): weather and mains drift are smooth in time and can be
 *   evaluated at any instant, whatever order the boards are stepped in.
 */

/** cyrb128: a string → four well-mixed 32-bit words. */
export function hashString(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A 32-bit integer hash of two integers (murmur3 finaliser); `b` may be any safe integer. */
export function hash2(a: number, b: number): number {
  const lo = b >>> 0;
  const hi = Math.floor(b / 4294967296) >>> 0;
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ lo;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ hi;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Smooth noise in [0, 1): knots every `periodMs`, smoothstep between them. Pure in (seed, t). */
export function valueNoise(seed: number, tMs: number, periodMs: number): number {
  const x = tMs / periodMs;
  const k = Math.floor(x);
  const f = x - k;
  const a = hash2(seed, k) / 4294967296;
  const b = hash2(seed, k + 1) / 4294967296;
  const s = f * f * (3 - 2 * f);
  return a + (b - a) * s;
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  readonly #label: string;
  #spareNormal: number | undefined;

  constructor(label: string) {
    this.#label = label;
    [this.#a, this.#b, this.#c, this.#d] = hashString(label);
    // sfc32 needs a few rounds before weak seeds are mixed in.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A new independent stream named after this one plus `label`. */
  fork(label: string): Rng {
    return new Rng(`${this.#label}/${label}`);
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box–Muller, the spare value kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.#spareNormal !== undefined) {
      const z = this.#spareNormal;
      this.#spareNormal = undefined;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }
}
