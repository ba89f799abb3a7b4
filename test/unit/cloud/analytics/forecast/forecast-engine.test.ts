import { describe, expect, it } from 'vitest';
import {
  backtest,
  fitAndForecast,
  mape,
  pathTotals,
  quantile,
} from '../../../../../cloud/analytics/forecast/forecast-engine.ts';
import { fitHoltWinters, WEEK } from '../../../../../cloud/analytics/forecast/holt-winters.ts';
import { nelderMead } from '../../../../../cloud/analytics/forecast/nelder-mead.ts';
import { syntheticHours } from '../../../../integration/cloud/analytics/helpers/synthetic-load.ts';

/** One SYNTHETIC year (2025) of one board's hourly kWh: daily + weekly cycles, moving dusk, ±25 % noise. */
const FROM = Date.parse('2025-01-01T03:00:00Z');
function simulatedYear(seed: number): Float64Array {
  const values = new Float64Array(365 * 24);
  let i = 0;
  for (const h of syntheticHours({ fromMs: FROM, hours: values.length, seed }))
    values[i++] = (h.wh[0] + h.wh[1]) / 1000;
  return values;
}
const dayOf = (ms: number) => new Date(ms - 3 * 3_600_000).toISOString().slice(0, 10);

describe('Nelder–Mead', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const r = nelderMead((x) => (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2, [-1.2, 1], {
      maxEvaluations: 2000,
      tolerance: 1e-12,
    });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });
});

describe('double-seasonal Holt–Winters on a simulated year', () => {
  const year = simulatedYear(7);

  it('backtests the last 7 days of each quarter within the stated bound: daily MAPE < 10 %', () => {
    // Error bound: the generator's noise is ±25 % per hour (uniform), which averages to a few % per day;
    // 10 % daily MAPE leaves room for the moving dusk and weekday/weekend changes.
    for (const end of [13, 26, 39, 52]) {
      const n = end * WEEK;
      const series = { startMs: FROM + (n - 8 * WEEK) * 3_600_000, values: year.subarray(n - 8 * WEEK, n) };
      const bt = backtest(series, dayOf)!;
      expect(bt.days).toHaveLength(7);
      expect(bt.mapeDailyPct!).toBeLessThan(10);
      expect(bt.wapeHourlyPct!).toBeLessThan(25);
    }
  });

  it('beats the seasonal-naive forecast (same hour last week) on the held-out week', () => {
    const n = year.length;
    const train = year.subarray(n - 8 * WEEK - WEEK, n - WEEK);
    const fit = fitAndForecast({ startMs: 0, values: train }, WEEK, { paths: 1 });
    let hw = 0;
    let naive = 0;
    for (let k = 0; k < WEEK; k++) {
      const actual = year[n - WEEK + k]!;
      hw += Math.abs(actual - fit.point[k]!);
      naive += Math.abs(actual - year[n - 2 * WEEK + k]!);
    }
    expect(hw).toBeLessThan(naive);
  });

  it('gives prediction intervals that cover about their level on the held-out week', () => {
    const n = year.length;
    const train = year.subarray(n - 9 * WEEK, n - WEEK);
    const fc = fitAndForecast({ startMs: 0, values: train }, WEEK, { paths: 300 });
    let inside = 0;
    for (let k = 0; k < WEEK; k++) {
      const sorted = Float64Array.from(fc.paths, (p) => p[k]!).sort();
      const actual = year[n - WEEK + k]!;
      if (actual >= quantile(sorted, 0.05) - 1e-9 && actual <= quantile(sorted, 0.95) + 1e-9) inside++;
    }
    // Nominal 90 %: accept 75–100 % on one week of hours (night hours at exactly 0 always count as inside).
    expect(inside / WEEK).toBeGreaterThan(0.75);
    const weekTotals = pathTotals(fc.paths, 0, WEEK);
    const actualWeek = year.subarray(n - WEEK).reduce((a, b) => a + b, 0);
    expect(actualWeek).toBeGreaterThan(quantile(weekTotals, 0.01));
    expect(actualWeek).toBeLessThan(quantile(weekTotals, 0.99));
  });

  it('skips missing hours instead of learning zeros from them', () => {
    const n = 8 * WEEK;
    const withGap = Float64Array.from(year.subarray(0, n));
    for (let k = 5 * WEEK; k < 5 * WEEK + 48; k++) withGap[k] = Number.NaN;
    const a = fitHoltWinters(year.subarray(0, n));
    const b = fitHoltWinters(withGap);
    expect(b.residuals.length).toBe(a.residuals.length - 48);
    expect(Number.isFinite(b.rmse)).toBe(true);
    expect(b.state.level).toBeGreaterThan(0);
  });

  it('is deterministic (seeded bootstrap) and refuses less than two weeks', () => {
    const s = { startMs: 0, values: year.subarray(0, 4 * WEEK) };
    const a = fitAndForecast(s, 24, { paths: 20 });
    const b = fitAndForecast(s, 24, { paths: 20 });
    expect(Array.from(a.paths[3]!)).toEqual(Array.from(b.paths[3]!));
    expect(() => fitAndForecast({ startMs: 0, values: year.subarray(0, WEEK) }, 24)).toThrow(/two weeks/);
    expect(
      mape([
        { actual: 2, predicted: 1 },
        { actual: 0, predicted: 5 },
      ]),
    ).toEqual({ mapePct: 50, n: 1 });
  });
});
