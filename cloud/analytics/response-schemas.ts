import { z } from 'zod';
import { PostoEnum, ScopeOut } from './analytics-schemas.ts';

/** Response schemas of the analytics routes (validated by the zod serializer, published in OpenAPI). */

const Modality = z.enum(['Convencional', 'Branca']);
const Num = z.number();
const NumOrNull = z.number().nullable();

export const BillOut = z.object({
  period: z.object({ from: z.string(), to: z.string(), days: z.number().int() }),
  modality: Modality,
  proration: z.enum(['days', 'measured']),
  measuredKwh: Num,
  energy: z.array(
    z.object({
      posto: PostoEnum,
      from: z.string(),
      to: z.string(),
      kwh: Num,
      tusdRsMwh: Num,
      teRsMwh: Num,
      reh: z.string(),
      rs: Num,
    }),
  ),
  flags: z.array(
    z.object({
      month: z.string(),
      from: z.string(),
      to: z.string(),
      flag: z.string(),
      adicionalRsMwh: Num,
      kwh: Num,
      provisional: z.boolean(),
      sourceMonth: z.string(),
      rs: Num,
    }),
  ),
  availability: z
    .object({
      minimumKwh: Num,
      availabilityRs: Num,
      consumptionRs: Num,
      complementKwh: NumOrNull,
      complementRs: Num,
    })
    .nullable(),
  netRs: Num,
  taxes: z
    .object({
      variant: z.string(),
      rates: z.object({ icms: Num, pis: Num, cofins: Num }),
      icmsRs: Num,
      pisRs: Num,
      cofinsRs: Num,
    })
    .nullable(),
  grossRs: Num,
  cosipRs: Num,
  totalRs: Num,
  provisional: z.boolean(),
  unpriced: z.array(
    z.object({ from: z.string(), to: z.string(), posto: PostoEnum.nullable(), kwh: Num, reason: z.string() }),
  ),
  warnings: z.array(z.string()),
});

export const FaturaOut = BillOut.extend({ siteId: z.string(), distributorCnpj: z.string().nullable() });

const EnergyCostOut = z.object({
  kwh: Num,
  kwhInternal: Num,
  kwhExternal: Num,
  netRs: Num,
  grossRs: NumOrNull,
});

export const SavingsOut = z.object({
  baselineDescription: z.string(),
  boardDaysCounted: z.number().int(),
  boardDaysSkipped: z.number().int(),
  baseline: EnergyCostOut,
  measured: EnergyCostOut,
  saved: z.object({
    kwh: Num,
    netRs: Num,
    grossRs: NumOrNull,
    pct: NumOrNull,
    internalPct: NumOrNull,
    externalPct: NumOrNull,
  }),
  provisional: z.boolean(),
  unpricedKwh: Num,
});

export const EconomiaOut = SavingsOut.extend({
  scope: ScopeOut,
  from: z.string(),
  to: z.string(),
  pricingUnavailable: z.string().nullable(),
});

const ModalityPriceOut = z.object({
  modality: Modality,
  netRs: Num,
  grossRs: NumOrNull,
  byPosto: z.array(z.object({ posto: PostoEnum, kwh: Num, netRs: Num })),
  unpricedKwh: Num,
});

export const ModalidadeOut = z.object({
  siteId: z.string(),
  currentModality: Modality,
  comparisons: z.array(
    z.object({
      days: z.number().int(),
      from: z.string(),
      to: z.string(),
      kwh: Num,
      convencional: ModalityPriceOut.nullable(),
      branca: ModalityPriceOut.nullable(),
      notes: z.array(z.string()),
      cheaper: Modality.nullable(),
      differenceRs: NumOrNull,
      differencePct: NumOrNull,
      provisional: z.boolean(),
    }),
  ),
});

export const ForecastOut = z.object({
  scope: ScopeOut,
  generatedAt: z.string(),
  method: z.string(),
  level: Num,
  fit: z.object({
    alpha: Num,
    beta: Num,
    delta: Num,
    omega: Num,
    phi: Num,
    rmseKwh: Num,
    trainingHours: z.number().int(),
    evaluations: z.number().int(),
  }),
  backtest: z
    .object({
      holdoutDays: Num,
      mapeDailyPct: NumOrNull,
      wapeHourlyPct: NumOrNull,
      maeHourlyKwh: NumOrNull,
      days: z.array(z.object({ date: z.string(), actualKwh: Num, forecastKwh: Num })),
    })
    .nullable()
    .describe('null until there are 3 weeks of history: 2 weeks to fit the weekly cycle, 1 week held out'),
  daily: z.array(
    z.object({
      date: z.string(),
      actualKwh: NumOrNull.describe('Measured so far (today only)'),
      forecastKwh: Num,
      totalKwh: Num,
      lowerKwh: Num,
      upperKwh: Num,
    }),
  ),
  monthEnd: z.object({
    month: z.string(),
    actualKwh: Num,
    forecastKwh: Num,
    totalKwh: Num,
    lowerKwh: Num,
    upperKwh: Num,
    bill: z.union([
      z.object({ available: z.literal(false), reason: z.string() }),
      z.object({
        available: z.literal(true),
        totalRs: Num,
        lowerRs: Num,
        upperRs: Num,
        netRs: Num,
        taxesIncluded: z.boolean(),
        provisional: z.boolean(),
        unpricedKwh: Num,
        note: z.string(),
      }),
    ]),
  }),
  hourly: z.array(z.object({ start: z.string(), kwh: Num, lowerKwh: Num, upperKwh: Num })).optional(),
});

export const ImportMetaOut = z.object({
  importId: z.number().int(),
  scopeKind: z.enum(['site', 'device']),
  scopeId: z.string(),
  model: z.string(),
  step: z.enum(['hour', 'day']),
  fileName: z.string().nullable(),
  fileSha256: z.string(),
  rows: z.number().int(),
  firstTs: z.date(),
  lastTs: z.date(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
});

export const ComparisonOut = z.object({
  import: ImportMetaOut,
  points: z.number().int(),
  scoredPoints: z.number().int(),
  importedMapePct: NumOrNull,
  builtinMapePct: NumOrNull,
  importedIntervalCoveragePct: NumOrNull,
  better: z.enum(['imported', 'builtin']).nullable(),
  note: z.string().nullable(),
  rows: z.array(
    z.object({
      start: z.string(),
      actualKwh: NumOrNull,
      importedKwh: Num,
      importedLowerKwh: NumOrNull,
      importedUpperKwh: NumOrNull,
      builtinKwh: NumOrNull,
    }),
  ),
});

export const ReportOut = z.object({
  kind: z.enum(['daily', 'weekly', 'monthly', 'custom']),
  scope: z.object({
    kind: z.enum(['site', 'gateway', 'device']),
    id: z.string(),
    siteId: z.string(),
    name: z.string(),
  }),
  period: z.object({ from: z.string(), to: z.string(), timeZone: z.string() }),
  generatedAt: z.string(),
  energy: z.object({ kwh: Num, kwhInternal: Num, kwhExternal: Num, peakPowerW: NumOrNull }),
  cost: z.object({
    netRs: NumOrNull,
    grossRs: NumOrNull,
    provisional: z.boolean(),
    unpricedKwh: Num,
    pricingUnavailable: z.string().nullable(),
    bill: BillOut.nullable(),
  }),
  savings: SavingsOut,
  alerts: z.object({
    total: z.number().int(),
    byRule: z.array(z.object({ rule: z.string(), severity: z.string(), count: z.number().int() })),
  }),
  dataQuality: z.object({
    completeness: NumOrNull,
    expectedReadings: z.number().int(),
    receivedReadings: z.number().int(),
    missingHours: z.number().int(),
    missingDays: z.array(z.string()),
    rejectedReadings: z.number().int(),
    lostReadings: z.number().int(),
  }),
  daily: z.array(
    z.object({
      date: z.string(),
      kwh: NumOrNull,
      kwhInternal: NumOrNull,
      kwhExternal: NumOrNull,
      netRs: NumOrNull,
      grossRs: NumOrNull,
      completeness: NumOrNull,
      missingHours: z.number().int(),
    }),
  ),
});
