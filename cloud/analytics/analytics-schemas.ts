import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../../shared/schemas/reading.ts';

/** Query parameters and response pieces shared by the analytics routes. */

const Slug = z.string().min(1).max(64);

export const ScopeQuery = z.object({
  siteId: Slug.optional().describe('Site id (the whole consumer unit)'),
  gatewayId: Slug.optional().describe('Gateway id (its devices)'),
  deviceId: z.string().regex(DEVICE_ID_PATTERN).optional().describe('Device id'),
});

export const RangeQuery = z.object({
  from: z.string().min(10).describe('First local day `YYYY-MM-DD` (site time zone) or an ISO 8601 instant'),
  to: z
    .string()
    .min(10)
    .describe('Last local day `YYYY-MM-DD` (inclusive) or an ISO 8601 instant (exclusive)'),
});

export const ScopeOut = z.object({
  kind: z.enum(['site', 'gateway', 'device']),
  id: z.string(),
  siteId: z.string(),
  timeZone: z.string(),
});

export const PostoEnum = z.enum(['Não se aplica', 'Ponta', 'Intermediário', 'Fora ponta']);

export const BucketCostOut = z.object({
  netRs: z.number().describe('Energy + flag before taxes, R$ (not rounded to the cent)'),
  grossRs: z.number().nullable().describe('With ICMS/PIS/COFINS por dentro; null without site tax rates'),
  byPosto: z.array(z.object({ posto: PostoEnum, kwh: z.number(), rs: z.number() })),
  flags: z.array(
    z.object({
      month: z.string(),
      flag: z.string(),
      kwh: z.number(),
      rs: z.number(),
      provisional: z.boolean(),
    }),
  ),
  provisional: z.boolean().describe('A flag month is not published yet; the previous month stands in'),
  unpricedKwh: z.number().describe('Energy with no tariff in force (gap) or no Branca hours: not in the R$'),
});

export const ConsumoBucketOut = z.object({
  start: z.string(),
  end: z.string(),
  kwh: z.number().nullable().describe('null = no data at all in the bucket (missing, not zero)'),
  kwhInternal: z.number().nullable(),
  kwhExternal: z.number().nullable(),
  missing: z.boolean(),
  partial: z.boolean(),
  missingHours: z.number().int(),
  expectedReadings: z.number().int(),
  receivedReadings: z.number().int(),
  completeness: z.number().nullable(),
  peakPowerW: z
    .number()
    .nullable()
    .describe('Largest Σ of per-device hourly peaks (upper bound of the coincident peak)'),
  voltageMinV: z.number().nullable(),
  voltageMaxV: z.number().nullable(),
  cost: BucketCostOut.nullable(),
});

export const RegionalOut = z.object({
  month: z.string(),
  kwh: z.number().nullable().describe('Scope energy in the part of the month inside the range'),
  daysCovered: z.number().int(),
  daysInMonth: z.number().int(),
  regionalKwhPerConsumer: z
    .number()
    .nullable()
    .describe('SAMP: Σ Energia TE ÷ Σ consumidores, same distributor/class/month'),
  ratio: z.number().nullable().describe('kwh ÷ regional average (full months only)'),
  note: z.string().nullable(),
});
