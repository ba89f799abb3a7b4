import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { type SampAverage, sampAverage } from '../aneel/tariff-repository.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { analyticsConfigOf } from './analytics-config.ts';
import { AnalyticsRepository } from './analytics-repository.ts';
import { ConsumoBucketOut, RangeQuery, RegionalOut, ScopeOut, ScopeQuery } from './analytics-schemas.ts';
import { parseRange, type ResolvedScope, resolveScope, siteTaxes } from './analytics-scope.ts';
import { buildConsumoSeries, type ConsumoBucket, type Interval } from './consumo-service.ts';
import {
  daysInclusive,
  maxDate,
  minDate,
  monthEnd,
  monthStart,
  nextMonthStart,
  TimeZoneClock,
} from './cost/local-time.ts';
import { loadPricing } from './pricing-loader.ts';

const MAX_BUCKETS: Record<Interval, number> = { hour: 93 * 24, day: 732, week: 530, month: 120 };

export const ConsumoQuery = ScopeQuery.extend(RangeQuery.shape).extend({
  interval: z
    .enum(['hour', 'day', 'week', 'month'])
    .default('day')
    .describe('Bucket size, in the site time zone'),
});

const ConsumoResponse = z.object({
  scope: ScopeOut,
  interval: z.enum(['hour', 'day', 'week', 'month']),
  from: z.string(),
  to: z.string(),
  pricing: z.object({
    modality: z.enum(['Convencional', 'Branca']),
    distributorCnpj: z.string().nullable(),
    taxesIncluded: z.boolean(),
    unavailable: z.string().nullable(),
    notes: z.array(z.string()),
  }),
  totals: z.object({
    kwh: z.number(),
    netRs: z.number().nullable(),
    grossRs: z.number().nullable(),
    unpricedKwh: z.number(),
    provisional: z.boolean(),
    completeness: z.number().nullable(),
    missingBuckets: z.number().int(),
    peakPowerW: z.number().nullable(),
  }),
  buckets: z.array(ConsumoBucketOut),
  regional: z.array(RegionalOut),
});

/** `GET /api/v1/analytics/consumo`: energy, cost, quality and the regional comparison of a scope. */
export async function registerConsumoRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const repo = new AnalyticsRepository(deps.pool);
  const config = analyticsConfigOf(deps.config);

  app.get(
    '/api/v1/analytics/consumo',
    {
      config: { access: ['viewer'] },
      // The dashboard's hot path returns up to ~2 000 buckets: zod re-validating every one on the way out
      // cost more than the query (≈40 % of the request). The schema still documents the response (OpenAPI)
      // and TypeScript checks the handler's return type against it; the body is plain JSON.stringify.
      serializerCompiler: () => (data) => JSON.stringify(data),
      schema: {
        summary: 'Consumption and cost by hour, day, week or month (site, gateway or device)',
        description:
          'Energy from the hourly rollups, priced with the ANEEL tariff in force each day (posto for Branca) and the ' +
          'month’s flag; buckets without any data are `missing` with `kwh: null`, never 0. Includes completeness ' +
          '(readings received ÷ expected from devices.expected_interval_s) and the SAMP regional average per month.',
        tags: ['analytics'],
        querystring: ConsumoQuery,
        response: { 200: ConsumoResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = await resolveScope(repo, q);
      const clock = clockOf(scope);
      const range = parseRange(q.from, q.to, clock);
      const nowHour = Math.floor(deps.clock() / 3_600_000) * 3_600_000;
      const toMs = Math.min(range.toMs, Math.max(range.fromMs, nowHour + 3_600_000));
      const buckets = Math.ceil(
        (toMs - range.fromMs) / 3_600_000 / { hour: 1, day: 24, week: 168, month: 720 }[q.interval],
      );
      if (buckets > MAX_BUCKETS[q.interval]) {
        throw new AppError(
          'bad_request',
          `range too long for interval=${q.interval} (max ${MAX_BUCKETS[q.interval]} buckets)`,
        );
      }
      const lastDate = clock.localDate(toMs - 1);
      // The regional averages do not depend on the series: looked up while the hours load.
      const [hours, pricing, averages] = await Promise.all([
        deps.metrics.timeQuery('analytics_hourly', () => repo.hourly(scope.filter, range.fromMs, toMs)),
        loadPricing(deps.pool, repo, scope.site, { from: range.fromDate, to: range.toDate }),
        regionalAverages(deps, scope, range.fromDate, lastDate),
      ]);
      const series = buildConsumoSeries({
        hours,
        devices: scope.devices,
        fromMs: range.fromMs,
        toMs,
        interval: q.interval,
        clock,
        pricing: {
          modality: pricing.modality,
          tariffs: pricing.tariffs,
          flags: pricing.flags,
          schedules: pricing.schedules,
          holidays: config.holidays,
          flagsApply: config.flagsApply,
          taxes: siteTaxes(scope.site),
          ...(pricing.unavailable ? { unavailable: pricing.unavailable } : {}),
        },
      });
      const regional = regionalComparison(scope, series, clock, range.fromDate, lastDate, averages);
      const notes = [...pricing.tariffs.conflicts.map((c) => `tariff overlap resolved: ${c}`)];
      if (pricing.tariffs.gaps.length) {
        notes.push(
          `no tariff in force on ${pricing.tariffs.gaps.map((g) => `${g.from}..${g.to}`).join(', ')}`,
        );
      }
      if (pricing.modality === 'Branca' && pricing.schedules.length === 0) {
        notes.push(
          'no Branca ponta/intermediário hours known for this distributor: weekday energy is unpriced',
        );
      }
      return {
        scope: { kind: scope.kind, id: scope.id, siteId: scope.site.siteId, timeZone: scope.site.timeZone },
        interval: q.interval,
        from: new Date(range.fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        pricing: {
          modality: pricing.modality,
          distributorCnpj: scope.site.distributorCnpj,
          taxesIncluded: siteTaxes(scope.site) !== null,
          unavailable: pricing.unavailable ?? null,
          notes,
        },
        totals: totalsOf(series),
        buckets: series,
        regional,
      };
    },
  );
}

/** The site's clock; TimeZoneClock's constructor rejects an unknown zone (one Intl object, not two). */
export function clockOf(scope: ResolvedScope): TimeZoneClock {
  try {
    return new TimeZoneClock(scope.site.timeZone);
  } catch {
    throw new AppError(
      'conflict',
      `site ${scope.site.siteId} has an unknown time zone: ${scope.site.timeZone}`,
    );
  }
}

function totalsOf(series: ConsumoBucket[]) {
  let kwh = 0;
  let net = 0;
  let gross = 0;
  let anyCost = false;
  let grossKnown = true;
  let unpriced = 0;
  let provisional = false;
  let expected = 0;
  let received = 0;
  let peak: number | null = null;
  for (const b of series) {
    kwh += b.kwh ?? 0;
    expected += b.expectedReadings;
    received += b.receivedReadings;
    if (b.peakPowerW !== null) peak = peak === null ? b.peakPowerW : Math.max(peak, b.peakPowerW);
    if (b.cost) {
      anyCost = true;
      net += b.cost.netRs;
      if (b.cost.grossRs === null) grossKnown = false;
      else gross += b.cost.grossRs;
      unpriced += b.cost.unpricedKwh;
      provisional ||= b.cost.provisional;
    }
  }
  const r = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    kwh: r(kwh),
    netRs: anyCost ? r(net) : null,
    grossRs: anyCost && grossKnown ? r(gross) : null,
    unpricedKwh: r(unpriced),
    provisional,
    completeness: expected > 0 ? Math.round(Math.min(1, received / expected) * 1e4) / 1e4 : null,
    missingBuckets: series.filter((b) => b.missing).length,
    peakPowerW: peak,
  };
}

function monthsOf(fromDate: string, toDate: string): string[] {
  const months: string[] = [];
  for (let m = monthStart(fromDate); m <= toDate && months.length < 24; m = nextMonthStart(m)) months.push(m);
  return months;
}

/** SAMP average kWh per consumer of the site's distributor and class, for each month the range touches. */
function regionalAverages(
  deps: CloudDeps,
  scope: ResolvedScope,
  fromDate: string,
  toDate: string,
): Promise<(SampAverage | null)[]> {
  const cnpj = scope.site.distributorCnpj;
  return Promise.all(
    monthsOf(fromDate, toDate).map((month) =>
      cnpj ? sampAverage(deps.pool, { cnpj, consumerClass: scope.site.consumerClass, month }) : null,
    ),
  );
}

/** The scope's kWh per month beside the SAMP average (`averages`: per month of monthsOf). */
function regionalComparison(
  scope: ResolvedScope,
  series: ConsumoBucket[],
  clock: TimeZoneClock,
  fromDate: string,
  toDate: string,
  averages: (SampAverage | null)[],
) {
  const kwhByMonth = new Map<string, number>();
  for (const b of series) {
    if (b.kwh === null) continue;
    const m = monthStart(clock.localDate(Date.parse(b.start)));
    kwhByMonth.set(m, (kwhByMonth.get(m) ?? 0) + b.kwh);
  }
  const cnpj = scope.site.distributorCnpj;
  return monthsOf(fromDate, toDate).map((month, i) => {
    const covered = daysInclusive(maxDate(month, fromDate), minDate(monthEnd(month), toDate));
    const inMonth = daysInclusive(month, monthEnd(month));
    const avg = averages[i] ?? null;
    const kwh = kwhByMonth.has(month) ? Math.round(kwhByMonth.get(month)! * 1e4) / 1e4 : null;
    const full = covered === inMonth;
    return {
      month,
      kwh,
      daysCovered: covered,
      daysInMonth: inMonth,
      regionalKwhPerConsumer: avg ? Math.round(avg.kwhPerConsumer * 100) / 100 : null,
      ratio:
        avg && kwh !== null && full && avg.kwhPerConsumer > 0
          ? Math.round((kwh / avg.kwhPerConsumer) * 1e4) / 1e4
          : null,
      note: !cnpj
        ? 'site has no distributor'
        : !avg
          ? 'no SAMP data for this distributor, class and month (SAMP lags; load it with cds cloud aneel sync)'
          : scope.kind !== 'site'
            ? 'a gateway/device is only part of the consumer unit the average describes'
            : null,
    };
  });
}
