import {
  cloneState,
  DAY,
  type FitResult,
  fitHoltWinters,
  forecastFrom,
  type HwParams,
  oneStep,
  update,
  WEEK,
} from './holt-winters.ts';
import { mulberry32 } from './rng.ts';

/**
 * Forecasts of hourly energy with empirical prediction intervals, and the backtest the API reports.
 *
 * Intervals: bootstrap simulation of the fitted model (Hyndman & Athanasopoulos, FPP3 §5.5). Each of
 * `paths` future paths draws, hour by hour, a one-step residual of the history **from the same hour of the
 * day** (errors are larger in the evening peak than at 4 am), adds it to the model's forecast, clips at 0
 * (energy is never negative) and feeds the result back into the states. Quantiles of the paths — per hour,
 * per day and for any total — give the interval; no normality is assumed.
 */

export interface HourlySeries {
  /** UTC instant of the first hour. */
  startMs: number;
  /** kWh per hour; NaN = missing. */
  values: Float64Array;
}

export interface ForecastResult {
  fit: { params: HwParams; rmseKwh: number; evaluations: number; trainingHours: number };
  /** UTC instant of the first forecast hour (the hour after the history). */
  startMs: number;
  point: Float64Array;
  /** paths[p][k]: simulated kWh of hour k on path p. */
  paths: Float64Array[];
}

const HOUR_MS = 3_600_000;

export function fitAndForecast(
  history: HourlySeries,
  horizon: number,
  opts: { paths?: number; seed?: number; maxEvaluations?: number } = {},
): ForecastResult {
  const fit = fitHoltWinters(
    history.values,
    opts.maxEvaluations ? { maxEvaluations: opts.maxEvaluations } : {},
  );
  return {
    fit: {
      params: fit.params,
      rmseKwh: fit.rmse,
      evaluations: fit.evaluations,
      trainingHours: history.values.length,
    },
    startMs: history.startMs + history.values.length * HOUR_MS,
    point: clipped(forecastFrom(fit.state, horizon)),
    paths: simulate(fit, horizon, opts.paths ?? 200, opts.seed ?? 20_240_601),
  };
}

function clipped(a: Float64Array): Float64Array {
  for (let i = 0; i < a.length; i++) if (a[i]! < 0) a[i] = 0;
  return a;
}

function residualPools(fit: FitResult): number[][] {
  const pools: number[][] = Array.from({ length: DAY }, () => []);
  for (const [i, e] of fit.residuals.entries()) pools[fit.residualHourOfDay[i]!]!.push(e);
  const all = fit.residuals.length ? fit.residuals : [0];
  return pools.map((p) => (p.length >= 10 ? p : all));
}

function simulate(fit: FitResult, horizon: number, paths: number, seed: number): Float64Array[] {
  const rand = mulberry32(seed);
  const pools = residualPools(fit);
  const out: Float64Array[] = [];
  for (let p = 0; p < paths; p++) {
    const s = cloneState(fit.state);
    const path = new Float64Array(horizon);
    for (let k = 0; k < horizon; k++) {
      const pool = pools[s.t % DAY]!;
      const e = pool[Math.floor(rand() * pool.length)]!;
      const y = Math.max(0, oneStep(s) + e);
      update(s, fit.params, y);
      path[k] = y;
    }
    out.push(path);
  }
  return out;
}

/** q-quantile (0…1) of a sample, linear interpolation between order statistics. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Sums hour ranges of every path and returns the sorted totals. */
export function pathTotals(paths: readonly Float64Array[], from: number, to: number): Float64Array {
  const totals = new Float64Array(paths.length);
  paths.forEach((p, i) => {
    let s = 0;
    for (let k = from; k < to; k++) s += p[k]!;
    totals[i] = s;
  });
  return totals.sort();
}

export interface BacktestResult {
  holdoutHours: number;
  /** Mean absolute percentage error of the held-out days' totals, % (days with zero actual are skipped). */
  mapeDailyPct: number | null;
  /** Σ|error| ÷ Σ actual over the held-out hours, % (hourly MAPE is undefined when lamps are off: 0 kWh). */
  wapeHourlyPct: number | null;
  maeHourlyKwh: number | null;
  days: { date: string; actualKwh: number; forecastKwh: number }[];
}

/**
 * Holds out the last `holdoutHours` (default 7 days), fits on the rest, forecasts the held-out hours and
 * compares. `dayOf` maps an hour's UTC instant to its local date so days follow the site's time zone.
 */
export function backtest(
  history: HourlySeries,
  dayOf: (utcMs: number) => string,
  opts: { holdoutHours?: number; maxEvaluations?: number } = {},
): BacktestResult | null {
  const holdout = opts.holdoutHours ?? 7 * DAY;
  const n = history.values.length;
  if (n - holdout < 2 * WEEK) return null;
  const train = history.values.subarray(0, n - holdout);
  const fit = fitHoltWinters(train, opts.maxEvaluations ? { maxEvaluations: opts.maxEvaluations } : {});
  const fc = clipped(forecastFrom(fit.state, holdout));
  let absErr = 0;
  let actualSum = 0;
  let count = 0;
  const days = new Map<string, { a: number; f: number; complete: boolean }>();
  for (let k = 0; k < holdout; k++) {
    const actual = history.values[n - holdout + k]!;
    const date = dayOf(history.startMs + (n - holdout + k) * HOUR_MS);
    let d = days.get(date);
    if (!d) {
      d = { a: 0, f: 0, complete: true };
      days.set(date, d);
    }
    if (!Number.isFinite(actual)) {
      d.complete = false;
      continue;
    }
    d.a += actual;
    d.f += fc[k]!;
    absErr += Math.abs(actual - fc[k]!);
    actualSum += actual;
    count++;
  }
  const dayList = [...days].map(([date, d]) => ({
    date,
    actualKwh: d.a,
    forecastKwh: d.f,
    complete: d.complete,
  }));
  const scored = dayList.filter((d) => d.complete && d.actualKwh > 0);
  const mape = scored.length
    ? (100 * scored.reduce((s, d) => s + Math.abs(d.actualKwh - d.forecastKwh) / d.actualKwh, 0)) /
      scored.length
    : null;
  return {
    holdoutHours: holdout,
    mapeDailyPct: mape,
    wapeHourlyPct: actualSum > 0 ? (100 * absErr) / actualSum : null,
    maeHourlyKwh: count ? absErr / count : null,
    days: dayList.map(({ date, actualKwh, forecastKwh }) => ({ date, actualKwh, forecastKwh })),
  };
}

/** Mean absolute percentage error of paired values, % (pairs with actual 0 or missing skipped). */
export function mape(pairs: readonly { actual: number; predicted: number }[]): {
  mapePct: number | null;
  n: number;
} {
  const ok = pairs.filter((p) => Number.isFinite(p.actual) && Number.isFinite(p.predicted) && p.actual > 0);
  if (!ok.length) return { mapePct: null, n: 0 };
  return {
    mapePct: (100 * ok.reduce((s, p) => s + Math.abs(p.actual - p.predicted) / p.actual, 0)) / ok.length,
    n: ok.length,
  };
}
