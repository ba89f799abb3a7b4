import type pg from 'pg';
import { AppError } from '../../shared/errors.ts';
import { parseAneelDate } from './parse/br-date.ts';
import { foldKey, POSTOS, type Posto, parseCnpj } from './parse/vocabulary.ts';
import {
  type LineResolution,
  type Resolution,
  resolveTariffLines,
  type TariffLine,
} from './tariff-resolution.ts';

export type { TariffPeriod } from './tariff-resolution.ts';

/** Anything that can run a parameterised query: a pg.Pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

export interface ResolveTariffsParams {
  /** Distributor CNPJ (14 digits; punctuation and lost leading zeros are tolerated). */
  cnpj: string;
  subgroup: string;
  modality: string;
  consumerClass?: string;
  subclass?: string;
  /** First and last day, `YYYY-MM-DD`, inclusive. */
  from: string;
  to: string;
}

export interface FlagMonth {
  month: string;
  flag: string;
  adicionalRsMwh: number;
  published: true;
}

export interface SampAverage {
  kwhPerConsumer: number;
  energyKwh: number;
  consumers: number;
}

/** Postos a modality must cover on every day; other modalities take whatever postos are published. */
function requiredPostos(modality: string, lines: readonly TariffLine[]): Posto[] {
  const m = foldKey(modality);
  if (m === 'convencional') return ['Não se aplica'];
  if (m === 'branca') return ['Ponta', 'Intermediário', 'Fora ponta'];
  return POSTOS.filter((p) => lines.some((l) => l.posto === p));
}

function isoDate(value: string, name: string): string {
  const iso = parseAneelDate(value);
  if (!iso)
    throw new AppError('bad_request', `${name} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return iso;
}

function cnpjOf(value: string): string {
  const cnpj = parseCnpj(value);
  if (!cnpj) throw new AppError('bad_request', `not a CNPJ: ${JSON.stringify(value)}`);
  return cnpj;
}

/**
 * The energy tariff (Tarifa de Aplicação, detalhe and acessante `Não se aplica`, R$/MWh) in force on each day
 * of [from, to] for one distributor, subgroup, modality, class and subclass, split into periods per posto.
 * Overlaps are resolved as aneel.md §2 says and listed in `conflicts`; days without a tariff are listed in
 * `gaps` and never filled with a neighbouring value.
 */
export async function resolveTariffs(db: Queryable, params: ResolveTariffsParams): Promise<Resolution> {
  const r = await resolveTariffsWithLines(db, params);
  return {
    periods: r.periods.map(({ from, to, posto, tusdRsMwh, teRsMwh, reh }) => ({
      from,
      to,
      posto,
      tusdRsMwh,
      teRsMwh,
      reh,
    })),
    gaps: r.gaps,
    conflicts: r.conflicts,
  };
}

/** resolveTariffs with each period's source line (id and vigência), for the API. */
export async function resolveTariffsWithLines(
  db: Queryable,
  params: ResolveTariffsParams,
): Promise<LineResolution> {
  const from = isoDate(params.from, 'from');
  const to = isoDate(params.to, 'to');
  if (to < from) throw new AppError('bad_request', `to (${to}) is before from (${from})`);
  const { rows } = await db.query<{
    tariff_id: string;
    reh: string;
    valid_from: string;
    valid_to: string;
    posto: string;
    tusd: string | null;
    te: string | null;
  }>(
    `select tariff_id, reh, valid_from::text as valid_from, valid_to::text as valid_to, posto,
            tusd::text as tusd, te::text as te
       from aneel_tariffs
      where cnpj = $1 and lower(subgroup) = lower($2) and lower(modality) = lower($3)
        and lower(consumer_class) = lower($4) and lower(subclass) = lower($5)
        and base = 'Tarifa de Aplicação' and detail = 'Não se aplica' and acessante = 'Não se aplica'
        and unit = 'MWh' and valid_from <= $7::date and valid_to >= $6::date
      order by valid_from, tariff_id`,
    [
      cnpjOf(params.cnpj),
      params.subgroup.trim(),
      params.modality.trim(),
      (params.consumerClass ?? 'Residencial').normalize('NFC').trim(),
      (params.subclass ?? 'Residencial').normalize('NFC').trim(),
      from,
      to,
    ],
  );
  const lines: TariffLine[] = rows
    .filter((r) => (POSTOS as readonly string[]).includes(r.posto))
    .map((r) => ({
      tariffId: Number(r.tariff_id),
      reh: r.reh,
      validFrom: r.valid_from,
      validTo: r.valid_to,
      posto: r.posto as Posto,
      tusd: r.tusd,
      te: r.te,
    }));
  return resolveTariffLines(lines, { from, to, postos: requiredPostos(params.modality, lines) });
}

/** Published flag months whose month lies in [from, to] (any day of the first and last month counts). */
export async function flagsForRange(
  db: Queryable,
  params: { from: string; to: string },
): Promise<FlagMonth[]> {
  const from = isoDate(params.from, 'from');
  const to = isoDate(params.to, 'to');
  const { rows } = await db.query<{ month: string; flag: string; adicional: string }>(
    `select month::text as month, flag, adicional_rs_mwh::text as adicional
       from aneel_flags
      where month >= date_trunc('month', $1::date)::date and month <= $2::date
      order by month`,
    [from, to],
  );
  return rows.map((r) => ({
    month: r.month,
    flag: r.flag,
    adicionalRsMwh: Number(r.adicional),
    published: true,
  }));
}

export interface SampTotals {
  energyKwh: number;
  consumers: number;
  /** SAMP rows (after the load's summing) that went into the totals. */
  rows: number;
}

/**
 * Σ `Energia TE (kWh)` and Σ `Número de consumidores` (either spelling) of one distributor, class and month,
 * captive market only, refaturamento rows left out, every breakdown row summed (aneel.md §4).
 */
export async function sampTotals(
  db: Queryable,
  params: { cnpj: string; consumerClass?: string; month: string },
): Promise<SampTotals> {
  const month = isoDate(params.month.length === 7 ? `${params.month}-01` : params.month, 'month');
  const { rows } = await db.query<{ energy: string; consumers: string; n: string }>(
    `select coalesce(sum(value) filter (where metric_key = 'energia te (kwh)'), 0)::text as energy,
            coalesce(sum(value) filter (where metric_key = 'numero de consumidores'), 0)::text as consumers,
            count(*) filter (where metric_key in ('energia te (kwh)', 'numero de consumidores')) as n
       from aneel_samp
      where cnpj = $1 and month = date_trunc('month', $2::date)::date and class_key = $3
        and upper(energy_option) = 'CATIVO' and not refaturamento`,
    [cnpjOf(params.cnpj), month, foldKey(params.consumerClass ?? 'Residencial')],
  );
  const r = rows[0];
  return { energyKwh: Number(r?.energy ?? 0), consumers: Number(r?.consumers ?? 0), rows: Number(r?.n ?? 0) };
}

/** Average billed kWh per consumer, or null when the month has no consumer count for that class. */
export async function sampAverage(
  db: Queryable,
  params: { cnpj: string; consumerClass?: string; month: string },
): Promise<SampAverage | null> {
  const t = await sampTotals(db, params);
  if (t.consumers <= 0) return null;
  return { kwhPerConsumer: t.energyKwh / t.consumers, energyKwh: t.energyKwh, consumers: t.consumers };
}
