import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { analyticsConfigOf } from './analytics-config.ts';
import { AnalyticsRepository } from './analytics-repository.ts';
import { RangeQuery, ScopeOut, ScopeQuery } from './analytics-schemas.ts';
import { parseRange, resolveScope, siteTaxes } from './analytics-scope.ts';
import { billView } from './bill-view.ts';
import { clockOf } from './consumo-routes.ts';
import { computeBill } from './cost/bill-engine.ts';
import { addDays } from './cost/local-time.ts';
import { compareModalities } from './modality-advisor.ts';
import { loadPricing } from './pricing-loader.ts';
import { EconomiaOut, FaturaOut, ModalidadeOut } from './response-schemas.ts';
import { lightingSavings } from './savings-service.ts';

const SiteOnly = z.object({ siteId: z.string().min(1).max(64).describe('Site id') });

/**
 * `fatura` (the bill of a billing period), `economia` (smart-lighting savings against the AICSS baseline)
 * and `modalidade` (Branca vs Convencional advisor).
 */
export async function registerCostRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const repo = new AnalyticsRepository(deps.pool);
  const config = analyticsConfigOf(deps.config);

  app.get(
    '/api/v1/analytics/fatura',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'The B1 bill of a billing period, step by step (docs/billing.md)',
        tags: ['analytics'],
        querystring: SiteOnly.extend(RangeQuery.shape).extend({
          proration: z
            .enum(['days', 'measured'])
            .default('days')
            .describe(
              '`days`: split by calendar days across tariff changes and flag months, like the distributor',
            ),
        }),
        response: { 200: FaturaOut },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = await resolveScope(repo, { siteId: q.siteId });
      const clock = clockOf(scope);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(q.from) || !/^\d{4}-\d{2}-\d{2}$/.test(q.to)) {
        throw new AppError('bad_request', 'a billing period is given in local days: from/to as YYYY-MM-DD');
      }
      const range = parseRange(q.from, q.to, clock);
      if (range.toMs - range.fromMs > 62 * 86_400_000)
        throw new AppError('bad_request', 'a billing period is at most 62 days');
      const [hours, pricing] = await Promise.all([
        repo.hourly(scope.filter, range.fromMs, range.toMs),
        loadPricing(deps.pool, repo, scope.site, { from: q.from, to: q.to }),
      ]);
      const bill = computeBill({
        site: {
          modality: scope.site.modality,
          supplyType: scope.site.supplyType,
          timeZone: scope.site.timeZone,
          taxes: siteTaxes(scope.site),
          cosipRs: scope.site.cosipRs,
        },
        period: { from: q.from, to: q.to },
        hours: hours.map((h) => ({ hourStartMs: h.hourStartMs, wh: h.wh })),
        tariffs: pricing.tariffs,
        conventionalTariffs: pricing.conventional,
        flags: pricing.flags,
        brancaSchedules: pricing.schedules,
        holidays: config.holidays,
        flagsApply: config.flagsApply,
        proration: q.proration,
      });
      const view = billView(bill);
      if (pricing.unavailable) view.warnings.unshift(pricing.unavailable);
      return { siteId: scope.site.siteId, distributorCnpj: scope.site.distributorCnpj, ...view };
    },
  );

  app.get(
    '/api/v1/analytics/economia',
    {
      config: { access: ['viewer'] },
      schema: {
        summary:
          'Energy and R$ saved by the smart lighting against the AICSS baseline (60 W × 5 h, 100 W × 12 h per board)',
        tags: ['analytics'],
        querystring: ScopeQuery.extend(RangeQuery.shape),
        response: { 200: EconomiaOut },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = await resolveScope(repo, q);
      const clock = clockOf(scope);
      const range = parseRange(q.from, q.to, clock);
      if (range.toMs - range.fromMs > 400 * 86_400_000)
        throw new AppError('bad_request', 'range is at most 400 days');
      const [deviceHours, pricing] = await Promise.all([
        repo.hourlyByDevice(scope.filter, range.fromMs, range.toMs),
        loadPricing(deps.pool, repo, scope.site, { from: range.fromDate, to: range.toDate }),
      ]);
      const result = lightingSavings({
        deviceHours,
        deviceIds: scope.devices.map((d) => d.deviceId),
        fromMs: range.fromMs,
        toMs: range.toMs,
        clock,
        minCompleteness: config.savingsMinCompleteness,
        pricing: {
          modality: pricing.modality,
          tariffs: pricing.tariffs,
          flags: pricing.flags,
          schedules: pricing.schedules,
          holidays: config.holidays,
          flagsApply: config.flagsApply,
          taxes: siteTaxes(scope.site),
        },
      });
      return {
        scope: ScopeOut.parse({
          kind: scope.kind,
          id: scope.id,
          siteId: scope.site.siteId,
          timeZone: scope.site.timeZone,
        }),
        from: range.fromDate,
        to: range.toDate,
        pricingUnavailable: pricing.unavailable ?? null,
        ...result,
      };
    },
  );

  app.get(
    '/api/v1/analytics/modalidade',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Branca vs Convencional: the last 30 and 90 days re-priced under both modalities',
        tags: ['analytics'],
        querystring: SiteOnly.extend({
          to: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/)
            .optional()
            .describe('Last local day (default: yesterday)'),
          days: z.coerce
            .number()
            .int()
            .min(7)
            .max(366)
            .optional()
            .describe('One window of this many days instead of 30 and 90'),
        }),
        response: { 200: ModalidadeOut },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = await resolveScope(repo, { siteId: q.siteId });
      const clock = clockOf(scope);
      const to = q.to ?? addDays(clock.localDate(deps.clock()), -1);
      const windows = q.days ? [q.days] : [30, 90];
      const longest = Math.max(...windows);
      const from = addDays(to, -(longest - 1));
      const range = parseRange(from, to, clock);
      const [hours, pricing] = await Promise.all([
        repo.hourly(scope.filter, range.fromMs, range.toMs),
        loadPricing(deps.pool, repo, scope.site, { from, to }, { withBranca: true }),
      ]);
      const energy = hours.map((h) => ({ hourStartMs: h.hourStartMs, wh: h.wh }));
      return {
        siteId: scope.site.siteId,
        currentModality: scope.site.modality,
        comparisons: windows.map((days) => ({
          days,
          ...compareModalities({
            hours: energy,
            from: addDays(to, -(days - 1)),
            to,
            clock,
            conventional: pricing.conventional,
            branca: pricing.branca,
            schedules: pricing.schedules,
            flags: pricing.flags,
            holidays: config.holidays,
            flagsApply: config.flagsApply,
            taxes: siteTaxes(scope.site),
          }),
        })),
      };
    },
  );
}
