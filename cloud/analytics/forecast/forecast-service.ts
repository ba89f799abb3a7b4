import type pg from 'pg';
import { AppError } from '../../../shared/errors.ts';
import type { AnalyticsConfig } from '../analytics-config.ts';
import type { AnalyticsRepository } from '../analytics-repository.ts';
import { localIso, type ResolvedScope, siteTaxes } from '../analytics-scope.ts';
import { computeBill } from '../cost/bill-engine.ts';
import { monthEnd, monthStart, TimeZoneClock } from '../cost/local-time.ts';
import { centsToRs } from '../cost/money.ts';
import { loadPricing } from '../pricing-loader.ts';
import {
  type BacktestResult,
  backtest,
  fitAndForecast,
  type HourlySeries,
  mape,
  pathTotals,
  quantile,
} from './forecast-engine.ts';
import type { ForecastImport } from './forecast-imports-repository.ts';
import { PHI, WEEK } from './holt-winters.ts';
import type { ImportPoint } from './import-csv.ts';

const HOUR_MS = 3_600_000;

export const FORECAST_METHOD =
  'Double-seasonal additive Holt–Winters (daily 24 h and weekly 168 h cycles, Taylor 2003) with a damped trend ' +
  '(φ = 0.98), α/β/δ/ω fitted by minimising one-step squared error on the history; prediction intervals from a ' +
  'bootstrap of the one-step residuals by hour of day; backtest holds out the last 7 days.';

export interface ForecastServiceDeps {
  pool: pg.Pool;
  repo: AnalyticsRepository;
  config: AnalyticsConfig;
  clock: () => number;
}

/** Hourly kWh of a scope over [fromMs, toMs); hours without any rollup row are NaN (missing, not zero). */
export async function loadHourlySeries(
  repo: AnalyticsRepository,
  scope: ResolvedScope,
  fromMs: number,
  toMs: number,
): Promise<HourlySeries> {
  const rows = await repo.hourly(scope.filter, fromMs, toMs);
  const n = Math.max(0, Math.round((toMs - fromMs) / HOUR_MS));
  const values = new Float64Array(n).fill(Number.NaN);
  for (const r of rows) {
    const i = Math.round((r.hourStartMs - fromMs) / HOUR_MS);
    if (i >= 0 && i < n) values[i] = r.wh / 1000;
  }
  // Leading hours before the first data point carry no information: start the series at the first datum.
  let first = 0;
  while (first < n && Number.isNaN(values[first]!)) first++;
  return { startMs: fromMs + first * HOUR_MS, values: values.subarray(first) };
}

export interface ForecastResponseDay {
  date: string;
  actualKwh: number | null;
  forecastKwh: number;
  totalKwh: number;
  lowerKwh: number;
  upperKwh: number;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export async function forecastScope(
  deps: ForecastServiceDeps,
  scope: ResolvedScope,
  opts: { days: number; level: number; includeHourly: boolean },
) {
  const clock = new TimeZoneClock(scope.site.timeZone);
  const nowHour = Math.floor(deps.clock() / HOUR_MS) * HOUR_MS;
  const trainFrom = nowHour - deps.config.forecastTrainingWeeks * WEEK * HOUR_MS;
  const history = await loadHourlySeries(deps.repo, scope, trainFrom, nowHour);
  const observed = history.values.reduce((n, v) => n + (Number.isFinite(v) ? 1 : 0), 0);
  if (history.values.length < 2 * WEEK || observed < WEEK) {
    throw new AppError(
      'bad_request',
      'not enough history to forecast: need at least two weeks of hourly data',
      {
        details: { hoursAvailable: history.values.length, hoursWithData: observed },
      },
    );
  }
  const today = clock.localDate(nowHour);
  const lastDay = new Date(Date.parse(`${today}T00:00:00Z`) + opts.days * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const month = monthStart(today);
  const horizonEnd = Math.max(clock.startOfDay(nextDay(lastDay)), clock.startOfDay(nextDay(monthEnd(today))));
  const horizon = Math.round((horizonEnd - nowHour) / HOUR_MS);
  // The history must reach `nowHour` for the forecast to start there: pad trailing missing hours.
  const padded = padTo(history, nowHour);
  const fc = fitAndForecast(padded, horizon, { paths: deps.config.forecastPaths });
  const bt: BacktestResult | null = backtest(padded, (ms) => clock.localDate(ms));
  const lo = (1 - opts.level) / 2;
  const hi = 1 - lo;

  // Actuals of today and of the month so far.
  const monthFromMs = clock.startOfDay(month);
  const monthRows = await deps.repo.hourly(scope.filter, monthFromMs, nowHour);
  const actualByDay = new Map<string, number>();
  let monthActualKwh = 0;
  for (const r of monthRows) {
    const d = clock.localDate(r.hourStartMs);
    actualByDay.set(d, (actualByDay.get(d) ?? 0) + r.wh / 1000);
    monthActualKwh += r.wh / 1000;
  }

  // Daily totals: forecast hours grouped by local day.
  const dayRanges: { date: string; from: number; to: number }[] = [];
  for (let k = 0; k < horizon; k++) {
    const d = clock.localDate(fc.startMs + k * HOUR_MS);
    const last = dayRanges[dayRanges.length - 1];
    if (last && last.date === d) last.to = k + 1;
    else dayRanges.push({ date: d, from: k, to: k + 1 });
  }
  const daily: ForecastResponseDay[] = dayRanges
    .filter((d) => d.date <= lastDay)
    .map((d) => {
      let point = 0;
      for (let k = d.from; k < d.to; k++) point += fc.point[k]!;
      const totals = pathTotals(fc.paths, d.from, d.to);
      const actual = d.date === today ? (actualByDay.get(today) ?? 0) : null;
      return {
        date: d.date,
        actualKwh: actual === null ? null : r4(actual),
        forecastKwh: r4(point),
        totalKwh: r4(point + (actual ?? 0)),
        lowerKwh: r4(quantile(totals, lo) + (actual ?? 0)),
        upperKwh: r4(quantile(totals, hi) + (actual ?? 0)),
      };
    });

  // Month end: actual to date + forecast to the last hour of the month.
  const monthEndIdx = Math.round((clock.startOfDay(nextDay(monthEnd(today))) - fc.startMs) / HOUR_MS);
  let monthPoint = 0;
  for (let k = 0; k < monthEndIdx; k++) monthPoint += fc.point[k]!;
  const monthTotals = pathTotals(fc.paths, 0, monthEndIdx);
  const qLo = quantile(monthTotals, lo);
  const qHi = quantile(monthTotals, hi);
  const bill = await monthBill(deps, scope, {
    month,
    actual: monthRows.map((r) => ({ hourStartMs: r.hourStartMs, wh: r.wh })),
    forecastStartMs: fc.startMs,
    point: fc.point.subarray(0, monthEndIdx),
    lowerPath: pathNearest(fc.paths, qLo, monthEndIdx),
    upperPath: pathNearest(fc.paths, qHi, monthEndIdx),
  });

  return {
    scope: { kind: scope.kind, id: scope.id, siteId: scope.site.siteId, timeZone: scope.site.timeZone },
    generatedAt: new Date(deps.clock()).toISOString(),
    method: FORECAST_METHOD,
    level: opts.level,
    fit: {
      ...mapParams(fc.fit.params),
      phi: PHI,
      rmseKwh: r4(fc.fit.rmseKwh),
      trainingHours: fc.fit.trainingHours,
      evaluations: fc.fit.evaluations,
    },
    backtest: bt && {
      holdoutDays: bt.holdoutHours / 24,
      mapeDailyPct: bt.mapeDailyPct === null ? null : Math.round(bt.mapeDailyPct * 100) / 100,
      wapeHourlyPct: bt.wapeHourlyPct === null ? null : Math.round(bt.wapeHourlyPct * 100) / 100,
      maeHourlyKwh: bt.maeHourlyKwh === null ? null : r4(bt.maeHourlyKwh),
      days: bt.days.map((d) => ({
        date: d.date,
        actualKwh: r4(d.actualKwh),
        forecastKwh: r4(d.forecastKwh),
      })),
    },
    daily,
    monthEnd: {
      month,
      actualKwh: r4(monthActualKwh),
      forecastKwh: r4(monthPoint),
      totalKwh: r4(monthActualKwh + monthPoint),
      lowerKwh: r4(monthActualKwh + qLo),
      upperKwh: r4(monthActualKwh + qHi),
      bill,
    },
    ...(opts.includeHourly
      ? {
          hourly: Array.from(fc.point, (v, k) => {
            const sorted = Float64Array.from(fc.paths, (p) => p[k]!).sort();
            return {
              start: localIso(clock, fc.startMs + k * HOUR_MS),
              kwh: r4(v),
              lowerKwh: r4(quantile(sorted, lo)),
              upperKwh: r4(quantile(sorted, hi)),
            };
          }),
        }
      : {}),
  };
}

function mapParams(p: { alpha: number; beta: number; delta: number; omega: number }) {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return { alpha: r(p.alpha), beta: r(p.beta), delta: r(p.delta), omega: r(p.omega) };
}

function nextDay(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function padTo(series: HourlySeries, endMs: number): HourlySeries {
  const n = Math.round((endMs - series.startMs) / HOUR_MS);
  if (n <= series.values.length) return series;
  const values = new Float64Array(n).fill(Number.NaN);
  values.set(series.values);
  return { startMs: series.startMs, values };
}

/** The path whose total over [0, end) is closest to `target` (a quantile of the totals). */
function pathNearest(paths: Float64Array[], target: number, end: number): Float64Array {
  let best = paths[0]!;
  let bestD = Number.POSITIVE_INFINITY;
  for (const p of paths) {
    let s = 0;
    for (let k = 0; k < end; k++) s += p[k]!;
    const d = Math.abs(s - target);
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  return best.subarray(0, end);
}

async function monthBill(
  deps: ForecastServiceDeps,
  scope: ResolvedScope,
  m: {
    month: string;
    actual: { hourStartMs: number; wh: number }[];
    forecastStartMs: number;
    point: Float64Array;
    lowerPath: Float64Array;
    upperPath: Float64Array;
  },
) {
  const period = { from: m.month, to: monthEnd(m.month) };
  const pricing = await loadPricing(deps.pool, deps.repo, scope.site, period);
  if (pricing.unavailable) return { available: false as const, reason: pricing.unavailable };
  const isSite = scope.kind === 'site';
  const billFor = (fc: Float64Array) =>
    computeBill({
      site: {
        modality: scope.site.modality,
        supplyType: scope.site.supplyType,
        timeZone: scope.site.timeZone,
        taxes: siteTaxes(scope.site),
        cosipRs: isSite ? scope.site.cosipRs : null,
      },
      period,
      hours: [
        ...m.actual,
        ...Array.from(fc, (kwh, k) => ({ hourStartMs: m.forecastStartMs + k * HOUR_MS, wh: kwh * 1000 })),
      ],
      tariffs: pricing.tariffs,
      conventionalTariffs: pricing.conventional,
      flags: pricing.flags,
      brancaSchedules: pricing.schedules,
      holidays: deps.config.holidays,
      flagsApply: deps.config.flagsApply,
      applyMinimum: isSite,
    });
  const point = billFor(m.point);
  const lower = billFor(m.lowerPath);
  const upper = billFor(m.upperPath);
  return {
    available: true as const,
    totalRs: centsToRs(point.totalCents),
    lowerRs: centsToRs(lower.totalCents),
    upperRs: centsToRs(upper.totalCents),
    netRs: centsToRs(point.netCents),
    taxesIncluded: point.taxes !== null,
    provisional: point.provisional,
    unpricedKwh: point.unpriced.filter((u) => u.reason !== 'no_flag').reduce((s, u) => s + u.wh, 0) / 1000,
    note: isSite
      ? 'calendar-month billing period, availability minimum and COSIP included'
      : 'share of a gateway/device at the site tariff: no availability minimum, no COSIP',
  };
}

/**
 * Scores an imported forecast and the built-in one against the actuals. The built-in forecast is fitted
 * "as of" the import's first timestamp (history strictly before it, same training window), so both had
 * the same information; only points whose actual is complete are scored, the same points for both.
 */
export async function compareImport(
  deps: ForecastServiceDeps,
  scope: ResolvedScope,
  imp: ForecastImport,
  points: ImportPoint[],
) {
  const clock = new TimeZoneClock(scope.site.timeZone);
  const firstMs = points[0]!.ts;
  const asOf = Math.floor(firstMs / HOUR_MS) * HOUR_MS;
  const history = await loadHourlySeries(
    deps.repo,
    scope,
    asOf - deps.config.forecastTrainingWeeks * WEEK * HOUR_MS,
    asOf,
  );
  const lastEnd =
    imp.step === 'hour'
      ? points[points.length - 1]!.ts + HOUR_MS
      : clock.startOfDay(nextDay(clock.localDate(points[points.length - 1]!.ts)));
  const horizon = Math.round((lastEnd - asOf) / HOUR_MS);
  const nowHour = Math.floor(deps.clock() / HOUR_MS) * HOUR_MS;
  let builtin: Float64Array | null = null;
  let builtinNote: string | null = null;
  if (history.values.length >= 2 * WEEK) {
    builtin = fitAndForecast(padTo(history, asOf), horizon, { paths: 1 }).point;
  } else builtinNote = 'not enough history before the import’s first timestamp to fit the built-in forecast';
  const actualRows = await deps.repo.hourly(scope.filter, asOf, Math.min(lastEnd, nowHour));
  const actual = new Map(actualRows.map((r) => [r.hourStartMs, r.wh / 1000]));

  const rows = points.map((p) => {
    const end = imp.step === 'hour' ? p.ts + HOUR_MS : clock.startOfDay(nextDay(clock.localDate(p.ts)));
    let a = 0;
    let complete = end <= nowHour;
    let b = 0;
    for (let t = p.ts; t < end; t += HOUR_MS) {
      const v = actual.get(t);
      if (v === undefined) complete = false;
      else a += v;
      if (builtin) b += builtin[Math.round((t - asOf) / HOUR_MS)] ?? 0;
    }
    return {
      start: localIso(clock, p.ts),
      actualKwh: complete ? r4(a) : null,
      importedKwh: p.kwh,
      importedLowerKwh: p.lower,
      importedUpperKwh: p.upper,
      builtinKwh: builtin ? r4(b) : null,
    };
  });
  const scored = rows.filter((r) => r.actualKwh !== null);
  const imported = mape(scored.map((r) => ({ actual: r.actualKwh!, predicted: r.importedKwh })));
  const built = builtin
    ? mape(scored.map((r) => ({ actual: r.actualKwh!, predicted: r.builtinKwh! })))
    : null;
  const withInterval = scored.filter((r) => r.importedLowerKwh !== null && r.importedUpperKwh !== null);
  const covered = withInterval.filter(
    (r) => r.actualKwh! >= r.importedLowerKwh! && r.actualKwh! <= r.importedUpperKwh!,
  );
  const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  return {
    import: imp,
    points: rows.length,
    scoredPoints: scored.length,
    importedMapePct: round2(imported.mapePct),
    builtinMapePct: built ? round2(built.mapePct) : null,
    importedIntervalCoveragePct: withInterval.length
      ? round2((100 * covered.length) / withInterval.length)
      : null,
    better:
      built && imported.mapePct !== null && built.mapePct !== null
        ? imported.mapePct < built.mapePct
          ? ('imported' as const)
          : ('builtin' as const)
        : null,
    note:
      builtinNote ??
      (scored.length === 0
        ? 'no complete actuals yet for the predicted period: scores appear once they exist'
        : null),
    rows: rows.slice(0, 2000),
  };
}
