/**
 * Exact money arithmetic for the cost engine.
 *
 * - Energy is quantised to whole **Wh** (integers) once per pricing bucket.
 * - Rates (tariff TUSD/TE, flag adicional) are R$/MWh scaled by 10⁴ (`RATE_SCALE`): ANEEL publishes two
 *   decimals, the database keeps four, so the conversion is exact.
 * - An amount is a `bigint` in units of 10⁻¹⁰ R$, which is exactly Wh × (R$/MWh × 10⁴): a product never
 *   loses a digit, and sums are exact.
 * - Rounding to cents happens only where a bill shows a figure, always **half away from zero** (the usual
 *   commercial rule; NBR 5891's half-even differs only on exact ties, which sub-cent amounts almost never hit).
 * - Tax rates are fractions scaled by 10⁵ (`TAX_SCALE`), matching `sites.icms_rate numeric(6,5)`.
 */

export const RATE_SCALE = 10_000;
export const TAX_SCALE = 100_000;
/** Amount units per cent: 10⁻² R$ / 10⁻¹⁰ R$. */
export const UNITS_PER_CENT = 100_000_000n;

export type Amount = bigint;
export type Cents = bigint;

/** R$/MWh (as published, e.g. 593.08) → integer R$/MWh × 10⁴. */
export function rateFromRsMwh(rsMwh: number): number {
  if (!Number.isFinite(rsMwh)) throw new RangeError(`rate is not a finite number: ${rsMwh}`);
  return Math.round(rsMwh * RATE_SCALE);
}

export function rateToRsMwh(rate: number): number {
  return rate / RATE_SCALE;
}

/** A fraction such as 0.18 (18 %) → integer × 10⁵. */
export function taxFromFraction(fraction: number): number {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 1) {
    throw new RangeError(`tax rate must be a fraction in [0, 1): ${fraction}`);
  }
  return Math.round(fraction * TAX_SCALE);
}

/** Energy in Wh (a float from the rollups) → whole Wh, half away from zero. */
export function quantiseWh(wh: number): number {
  return Math.sign(wh) * Math.round(Math.abs(wh));
}

export function amountOf(wh: number, rate: number): Amount {
  if (!Number.isInteger(wh) || !Number.isInteger(rate)) throw new RangeError('amountOf takes integers');
  return BigInt(wh) * BigInt(rate);
}

/** n / d rounded half away from zero (d > 0). */
export function roundDiv(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (a * 2n + d) / (2n * d);
  return neg ? -q : q;
}

export function amountToCents(a: Amount): Cents {
  return roundDiv(a, UNITS_PER_CENT);
}

export function centsToRs(c: Cents): number {
  return Number(c) / 100;
}

/** Unrounded R$ of an amount, for display of sub-cent figures (per-hour cost series). */
export function amountToRs(a: Amount): number {
  return Number(a) / 1e10;
}

/** `R$ 1.234,56` — how the docs and CSV reports print money. */
export function formatBrl(c: Cents): string {
  const neg = c < 0n;
  const abs = neg ? -c : c;
  const reais = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}R$ ${reais},${cents}`;
}
