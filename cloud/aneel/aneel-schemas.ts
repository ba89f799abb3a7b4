import { z } from 'zod';
import { SYNC_DATASETS } from './aneel-sync.ts';
import { POSTOS } from './parse/vocabulary.ts';

/** zod schemas of the ANEEL endpoints (validation, serialization and the OpenAPI document). */
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .describe('YYYY-MM-DD');
const YearMonth = z
  .string()
  .regex(/^\d{4}-\d{2}$/, 'a month YYYY-MM')
  .describe('YYYY-MM');

export const SyncBody = z
  .object({
    datasets: z
      .array(z.enum(SYNC_DATASETS))
      .min(1)
      .optional()
      .describe('Data sets to refresh; default all (tarifas, bandeiras, samp)'),
    force: z
      .boolean()
      .default(false)
      .describe('Load even the resources whose last_modified and size did not change'),
    sampYears: z
      .array(z.number().int().min(2003).max(2100))
      .min(1)
      .max(30)
      .optional()
      .describe('SAMP years to load; default this year and the last'),
    via: z
      .enum(['download', 'datastore'])
      .default('download')
      .describe(
        'download = the CSV files (full loads); datastore = datastore_search paging for tariffs and flags',
      ),
  })
  .strict();

export const SyncStarted = z.object({
  syncId: z.number().int(),
  status: z.literal('running'),
  statusUrl: z.string(),
});

const RunSchema = z.object({
  runId: z.number().int(),
  dataset: z.string(),
  source: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  rowsRead: z.number().int(),
  rowsInserted: z.number().int(),
  rowsUpdated: z.number().int(),
  rowsRejected: z.number().int(),
  errors: z.array(
    z.object({ line: z.number().optional(), reason: z.string(), detail: z.string().optional() }),
  ),
  progress: z.record(z.string(), z.unknown()),
});

export const SyncStatus = z.object({
  syncId: z.number().int(),
  trigger: z.enum(['api', 'cli', 'cron', 'bench']),
  requestedBy: z.string().nullable(),
  source: z.string(),
  datasets: z.array(z.string()),
  status: z.enum(['running', 'succeeded', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  runs: z.array(RunSchema),
});

export const SyncParams = z.object({ id: z.coerce.number().int().positive() });

export const TarifasQuery = z
  .object({
    distributor: z
      .string()
      .min(1)
      .describe('Distributor CNPJ (14 digits, punctuation allowed) or sigla (CEMIG-D)'),
    subgroup: z.string().min(1).default('B1'),
    modality: z.string().min(1).default('Convencional').describe('Convencional, Branca, Azul, Verde, …'),
    consumerClass: z.string().min(1).default('Residencial'),
    subclass: z.string().min(1).default('Residencial'),
    date: IsoDate.optional().describe('Day the tariff must be in force; default today (America/Sao_Paulo)'),
  })
  .strict();

const Distributor = z.object({ cnpj: z.string(), sigla: z.string().nullable() });

export const TarifasResponse = z.object({
  distributor: Distributor,
  date: IsoDate,
  subgroup: z.string(),
  modality: z.string(),
  consumerClass: z.string(),
  subclass: z.string(),
  base: z.literal('Tarifa de Aplicação'),
  /** True when every posto the modality needs has a tariff on the date. */
  inForce: z.boolean(),
  postos: z.array(
    z.object({
      posto: z.enum(POSTOS),
      tusdRsMwh: z.number(),
      teRsMwh: z.number(),
      totalRsMwh: z.number(),
      tusdRsKwh: z.number(),
      teRsKwh: z.number(),
      totalRsKwh: z.number(),
      reh: z.string(),
      validFrom: IsoDate,
      validTo: IsoDate,
    }),
  ),
  conflicts: z
    .array(z.string())
    .describe('Overlapping published lines and how they were resolved (aneel.md §2)'),
});

export const ConsumoQuery = z
  .object({
    distributor: z
      .string()
      .min(1)
      .describe('Distributor CNPJ or sigla (SAMP spells some differently: COCEL)'),
    consumerClass: z.string().min(1).default('Residencial'),
    month: YearMonth.optional().describe('One month; or use from/to'),
    from: YearMonth.optional().describe('First month; default 12 months before `to`'),
    to: YearMonth.optional().describe('Last month; default this month'),
  })
  .strict();

export const ConsumoResponse = z.object({
  distributor: Distributor,
  consumerClass: z.string(),
  from: YearMonth,
  to: YearMonth,
  months: z.array(
    z.object({
      month: IsoDate,
      energyKwh: z.number(),
      consumers: z.number(),
      kwhPerConsumer: z.number().nullable(),
    }),
  ),
  method: z.string(),
});
