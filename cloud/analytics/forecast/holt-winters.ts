import { nelderMead } from './nelder-mead.ts';

/**
 * Double-seasonal additive Holt–Winters (Taylor 2003, "Short-term electricity demand forecasting using
 * double seasonal exponential smoothing") on hourly energy, with a damped trend:
 *
 *   ŷ_t  = ℓ_{t−1} + φ·b_{t−1} + d_{t−24} + w_{t−168}
 *   e_t  = y_t − ŷ_t
 *   ℓ_t  = ℓ_{t−1} + φ·b_{t−1} + α·e_t        b_t = φ·b_{t−1} + β·e_t
 *   d_t  = d_{t−24} + δ·e_t                    w_t = w_{t−168} + ω·e_t
 *
 * (error-correction form). The daily index d adapts every day; the weekly-by-hour index w carries what
 * differs between weekdays and the weekend. φ is fixed at 0.98 so a small trend fades over a few days
 * instead of running away over a month's horizon. α, β, δ, ω are fitted by minimising the sum of squared
 * one-step errors on the history (Nelder–Mead on logit-transformed parameters).
 *
 * Missing hours (NaN) are skipped the usual way: the forecast stands in for the observation, the error is
 * 0, the states simply roll forward, and the hour does not count in the fit.
 */

export const DAY = 24;
export const WEEK = 168;
export const PHI = 0.98;

export interface HwParams {
  alpha: number;
  beta: number;
  delta: number;
  omega: number;
}

export interface HwState {
  level: number;
  trend: number;
  /** Ring buffers indexed by t mod 24 / t mod 168 (t = hours since the series start). */
  daily: Float64Array;
  weekly: Float64Array;
  /** Next time index. */
  t: number;
}

/** The series must hold at least two weeks of hours; initial states come from its first weeks. */
export function initialState(y: ArrayLike<number>): HwState {
  const weeks = Math.min(4, Math.floor(y.length / WEEK));
  if (weeks < 2) throw new RangeError('Holt–Winters needs at least two weeks of hourly history');
  const profile = new Float64Array(WEEK);
  const counts = new Float64Array(WEEK);
  let total = 0;
  let n = 0;
  for (let i = 0; i < weeks * WEEK; i++) {
    const v = y[i]!;
    if (Number.isFinite(v)) {
      total += v;
      n++;
    }
  }
  const mean = n ? total / n : 0;
  for (let i = 0; i < weeks * WEEK; i++) {
    const v = y[i]!;
    if (Number.isFinite(v)) {
      profile[i % WEEK]! += v - mean;
      counts[i % WEEK]! += 1;
    }
  }
  for (let j = 0; j < WEEK; j++) profile[j] = counts[j]! ? profile[j]! / counts[j]! : 0;
  const daily = new Float64Array(DAY);
  for (let j = 0; j < WEEK; j++) daily[j % DAY]! += profile[j]! / 7;
  const weekly = new Float64Array(WEEK);
  for (let j = 0; j < WEEK; j++) weekly[j] = profile[j]! - daily[j % DAY]!;
  return { level: mean, trend: 0, daily, weekly, t: 0 };
}

export function cloneState(s: HwState): HwState {
  return { level: s.level, trend: s.trend, daily: s.daily.slice(), weekly: s.weekly.slice(), t: s.t };
}

export function oneStep(s: HwState): number {
  return s.level + PHI * s.trend + s.daily[s.t % DAY]! + s.weekly[s.t % WEEK]!;
}

/** Feeds one observation (NaN = missing); returns the one-step error (0 when missing). */
export function update(s: HwState, p: HwParams, y: number): number {
  const yhat = oneStep(s);
  const e = Number.isFinite(y) ? y - yhat : 0;
  const di = s.t % DAY;
  const wi = s.t % WEEK;
  s.level = s.level + PHI * s.trend + p.alpha * e;
  s.trend = PHI * s.trend + p.beta * e;
  s.daily[di] = s.daily[di]! + p.delta * e;
  s.weekly[wi] = s.weekly[wi]! + p.omega * e;
  s.t++;
  return e;
}

/** k-step-ahead point forecasts from a state (does not change it). */
export function forecastFrom(s: HwState, horizon: number): Float64Array {
  const out = new Float64Array(horizon);
  let damp = 0;
  let phiPow = 1;
  for (let k = 1; k <= horizon; k++) {
    phiPow *= PHI;
    damp += phiPow;
    const t = s.t + k - 1;
    out[k - 1] = s.level + damp * s.trend + s.daily[t % DAY]! + s.weekly[t % WEEK]!;
  }
  return out;
}

export interface FitResult {
  params: HwParams;
  /** State after the last observation. */
  state: HwState;
  /** One-step errors of the observed hours (after the first week, which only warms the states up). */
  residuals: number[];
  /** Hour of the day (t mod 24) of each residual, for hour-of-day bootstrap pools. */
  residualHourOfDay: number[];
  rmse: number;
  evaluations: number;
}

const BOUNDS = { alpha: 0.5, beta: 0.05, delta: 0.5, omega: 0.5 };
const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const toParams = (x: number[]): HwParams => ({
  alpha: BOUNDS.alpha * logistic(x[0]!),
  beta: BOUNDS.beta * logistic(x[1]!),
  delta: BOUNDS.delta * logistic(x[2]!),
  omega: BOUNDS.omega * logistic(x[3]!),
});

function run(
  y: ArrayLike<number>,
  p: HwParams,
  collect: boolean,
): { sse: number; state: HwState; residuals: number[]; hours: number[] } {
  const state = initialState(y);
  let sse = 0;
  const residuals: number[] = [];
  const hours: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    const e = update(state, p, v);
    if (i >= WEEK && Number.isFinite(v)) {
      sse += e * e;
      if (collect) {
        residuals.push(e);
        hours.push(i % DAY);
      }
    }
  }
  return { sse, state, residuals, hours };
}

/**
 * Fits α, β, δ, ω (bounded to [0, 0.5], [0, 0.05], [0, 0.5], [0, 0.5]: larger values chase noise on hourly
 * data) by minimising the one-step SSE.
 */
export function fitHoltWinters(y: ArrayLike<number>, opts: { maxEvaluations?: number } = {}): FitResult {
  const start = [-2.2, -1, -2.2, -2.2]; // α≈0.05, β≈0.013, δ≈0.05, ω≈0.05
  const res = nelderMead((x) => run(y, toParams(x), false).sse, start, {
    step: 1.5,
    maxEvaluations: opts.maxEvaluations ?? 160,
    tolerance: 1e-6,
  });
  const params = toParams(res.x);
  const final = run(y, params, true);
  const n = final.residuals.length;
  return {
    params,
    state: final.state,
    residuals: final.residuals,
    residualHourOfDay: final.hours,
    rmse: n ? Math.sqrt(final.sse / n) : Number.NaN,
    evaluations: res.evaluations,
  };
}
