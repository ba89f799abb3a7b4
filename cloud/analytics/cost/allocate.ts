/**
 * Splits a whole number of Wh across parts in proportion to integer weights (days) so that the parts are
 * whole Wh and add up exactly to the total: floor shares first, then the leftover Wh go one each to the
 * largest remainders (ties to the earlier part). This is how a billing period's energy is "prorated by
 * days" across a tariff change or two flag months without creating or losing a Wh.
 */
export function allocateByWeights(total: number, weights: readonly number[]): number[] {
  if (!Number.isInteger(total)) throw new RangeError('total must be an integer');
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) throw new RangeError('weights must add up to a positive number');
  const sign = total < 0 ? -1 : 1;
  const abs = Math.abs(total);
  const exact = weights.map((w) => (abs * w) / sum);
  const parts = exact.map((x) => Math.floor(x));
  let left = abs - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => (b.r === a.r ? a.i - b.i : b.r - a.r));
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) parts[order[k]!.i]! += 1;
  return parts.map((p) => p * sign);
}
