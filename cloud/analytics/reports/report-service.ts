import type pg from 'pg';
import type { AnalyticsConfig } from '../analytics-config.ts';
import type { AnalyticsRepository } from '../analytics-repository.ts';
import { parseRange, type ResolvedScope, siteTaxes } from '../analytics-scope.ts';
import { billView } from '../bill-view.ts';
import { buildConsumoSeries, type PricingInputs } from '../consumo-service.ts';
import { computeBill } from '../cost/bill-engine.ts';
import { type LocalDate, TimeZoneClock } from '../cost/local-time.ts';
import { loadPricing } from '../pricing-loader.ts';
import { lightingSavings } from '../savings-service.ts';
import type { ReportKind } from './report-period.ts';

export interface ReportDeps {
  pool: pg.Pool;
  repo: AnalyticsRepository;
  config: AnalyticsConfig;
  clock: () => number;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * One report: energy, cost, savings, alerts and data quality of a site or device over local days
 * [from, to]. A monthly report of a whole site carries the full bill (availability minimum, taxes, COSIP);
 * the others price the energy and flags with taxes but without the monthly minimum and COSIP.
 */
export async function buildReport(
  deps: ReportDeps,
  scope: ResolvedScope,
  kind: ReportKind,
  period: { from: LocalDate; to: LocalDate },
) {
  const clock = new TimeZoneClock(scope.site.timeZone);
  const range = parseRange(period.from, period.to, clock);
  const [hours, deviceHours, pricing, alerts, quality] = await Promise.all([
    deps.repo.hourly(scope.filter, range.fromMs, range.toMs),
    deps.repo.hourlyByDevice(scope.filter, range.fromMs, range.toMs),
    loadPricing(deps.pool, deps.repo, scope.site, period),
    deps.repo.alertCounts(scope.filter, range.fromMs, range.toMs),
    deps.repo.dataQuality(
      scope.devices.map((d) => d.deviceId),
      range.fromMs,
      range.toMs,
      scope.kind === 'site' ? scope.site.siteId : null,
    ),
  ]);
  const pricingInputs: PricingInputs = {
    modality: pricing.modality,
    tariffs: pricing.tariffs,
    flags: pricing.flags,
    schedules: pricing.schedules,
    holidays: deps.config.holidays,
    flagsApply: deps.config.flagsApply,
    taxes: siteTaxes(scope.site),
    ...(pricing.unavailable ? { unavailable: pricing.unavailable } : {}),
  };
  const daily = buildConsumoSeries({
    hours,
    devices: scope.devices,
    fromMs: range.fromMs,
    toMs: range.toMs,
    interval: 'day',
    clock,
    pricing: pricingInputs,
  });
  const savings = lightingSavings({
    deviceHours,
    deviceIds: scope.devices.map((d) => d.deviceId),
    fromMs: range.fromMs,
    toMs: range.toMs,
    clock,
    pricing: pricingInputs,
    minCompleteness: deps.config.savingsMinCompleteness,
  });
  const bill =
    kind === 'monthly' && scope.kind === 'site' && !pricing.unavailable
      ? billView(
          computeBill({
            site: {
              modality: scope.site.modality,
              supplyType: scope.site.supplyType,
              timeZone: scope.site.timeZone,
              taxes: siteTaxes(scope.site),
              cosipRs: scope.site.cosipRs,
            },
            period,
            hours: hours.map((h) => ({ hourStartMs: h.hourStartMs, wh: h.wh })),
            tariffs: pricing.tariffs,
            conventionalTariffs: pricing.conventional,
            flags: pricing.flags,
            brancaSchedules: pricing.schedules,
            holidays: deps.config.holidays,
            flagsApply: deps.config.flagsApply,
          }),
        )
      : null;
  let kwh = 0;
  let kwh1 = 0;
  let kwh2 = 0;
  let net = 0;
  let gross = 0;
  let grossKnown = true;
  let anyCost = false;
  let expected = 0;
  let received = 0;
  let missingHours = 0;
  let provisional = false;
  let unpriced = 0;
  let peak: number | null = null;
  for (const d of daily) {
    kwh += d.kwh ?? 0;
    kwh1 += d.kwhInternal ?? 0;
    kwh2 += d.kwhExternal ?? 0;
    expected += d.expectedReadings;
    received += d.receivedReadings;
    missingHours += d.missingHours;
    if (d.peakPowerW !== null) peak = peak === null ? d.peakPowerW : Math.max(peak, d.peakPowerW);
    if (d.cost) {
      anyCost = true;
      net += d.cost.netRs;
      if (d.cost.grossRs === null) grossKnown = false;
      else gross += d.cost.grossRs;
      provisional ||= d.cost.provisional;
      unpriced += d.cost.unpricedKwh;
    }
  }
  return {
    kind,
    scope: { kind: scope.kind, id: scope.id, siteId: scope.site.siteId, name: scope.site.name },
    period: { ...period, timeZone: scope.site.timeZone },
    generatedAt: new Date(deps.clock()).toISOString(),
    energy: { kwh: r4(kwh), kwhInternal: r4(kwh1), kwhExternal: r4(kwh2), peakPowerW: peak },
    cost: {
      netRs: anyCost ? r4(net) : null,
      grossRs: anyCost && grossKnown ? r4(gross) : null,
      provisional,
      unpricedKwh: r4(unpriced),
      pricingUnavailable: pricing.unavailable ?? null,
      bill,
    },
    savings,
    alerts: { total: alerts.reduce((s, a) => s + a.count, 0), byRule: alerts },
    dataQuality: {
      completeness: expected > 0 ? r4(Math.min(1, received / expected)) : null,
      expectedReadings: Math.round(expected),
      receivedReadings: received,
      missingHours,
      missingDays: daily.filter((d) => d.missing).map((d) => d.start.slice(0, 10)),
      rejectedReadings: quality.rejected,
      lostReadings: quality.lost,
    },
    daily: daily.map((d) => ({
      date: d.start.slice(0, 10),
      kwh: d.kwh,
      kwhInternal: d.kwhInternal,
      kwhExternal: d.kwhExternal,
      netRs: d.cost?.netRs ?? null,
      grossRs: d.cost?.grossRs ?? null,
      completeness: d.completeness,
      missingHours: d.missingHours,
    })),
  };
}

export type Report = Awaited<ReturnType<typeof buildReport>>;

const COLUMNS = [
  'date',
  'kwh',
  'kwh_internal',
  'kwh_external',
  'net_rs',
  'gross_rs',
  'completeness',
  'missing_hours',
];

/**
 * The report as CSV for spreadsheets and R: one row per local day (NA where a day has no data), then a
 * `TOTAL` row. Same conventions as the SCR export (UTF-8, `,`, header, NA).
 */
export function reportCsv(report: Report): string {
  const v = (x: number | null | undefined) => (x === null || x === undefined ? 'NA' : String(x));
  const lines = [COLUMNS.join(',')];
  for (const d of report.daily) {
    lines.push(
      [
        d.date,
        v(d.kwh),
        v(d.kwhInternal),
        v(d.kwhExternal),
        v(d.netRs),
        v(d.grossRs),
        v(d.completeness),
        v(d.missingHours),
      ].join(','),
    );
  }
  lines.push(
    [
      'TOTAL',
      v(report.energy.kwh),
      v(report.energy.kwhInternal),
      v(report.energy.kwhExternal),
      v(report.cost.netRs),
      v(report.cost.grossRs),
      v(report.dataQuality.completeness),
      v(report.dataQuality.missingHours),
    ].join(','),
  );
  return `${lines.join('\n')}\n`;
}
