import { parseAneelDate } from './parse/br-date.ts';
import { foldKey, parseCnpj } from './parse/vocabulary.ts';
import type { Queryable } from './tariff-repository.ts';

export interface Distributor {
  cnpj: string;
  /** The most recent sigla seen for the CNPJ (siglas change: RGE SUL → RGE, same CNPJ). */
  sigla: string | null;
}

/**
 * A distributor by CNPJ (any punctuation) or by sigla, as the tariff file (`CEMIG-D`) or SAMP (`COCEL`)
 * spells it. Joins are always by CNPJ (aneel.md §7.6); the sigla is only a convenience for people.
 */
export async function findDistributor(db: Queryable, text: string): Promise<Distributor | null> {
  const trimmed = text.trim();
  let cnpj = /^[\d\s./-]+$/.test(trimmed) ? parseCnpj(trimmed) : undefined;
  if (!cnpj) {
    const bySigla = await db.query<{ cnpj: string }>(
      `(select cnpj from aneel_tariffs where upper(sig_agente) = upper($1) order by valid_to desc limit 1)
       union all
       (select cnpj from aneel_samp where upper(sig_agente) = upper($1) order by month desc limit 1)
       limit 1`,
      [trimmed],
    );
    cnpj = bySigla.rows[0]?.cnpj;
    if (!cnpj) return null;
  }
  const { rows } = await db.query<{ sigla: string }>(
    `(select sig_agente as sigla from aneel_tariffs where cnpj = $1 order by valid_to desc limit 1)
     union all
     (select sig_agente from aneel_samp where cnpj = $1 order by month desc limit 1)
     limit 1`,
    [cnpj],
  );
  const r = rows[0];
  return r ? { cnpj, sigla: r.sigla } : null;
}

export interface SampMonth {
  month: string;
  energyKwh: number;
  consumers: number;
  kwhPerConsumer: number | null;
}

/**
 * Market consumption per month for one distributor and class (aneel.md §4): Σ Energia TE (kWh) ÷ Σ Número
 * de consumidores, captive market, no refaturamento. Months with no consumer count have a null average.
 */
export async function sampMonthly(
  db: Queryable,
  p: { cnpj: string; consumerClass: string; from: string; to: string },
): Promise<SampMonth[]> {
  const { rows } = await db.query<{ month: string; energy: string; consumers: string }>(
    `select month::text as month,
            coalesce(sum(value) filter (where metric_key = 'energia te (kwh)'), 0)::text as energy,
            coalesce(sum(value) filter (where metric_key = 'numero de consumidores'), 0)::text as consumers
       from aneel_samp
      where cnpj = $1 and class_key = $2 and upper(energy_option) = 'CATIVO' and not refaturamento
        and metric_key in ('energia te (kwh)', 'numero de consumidores')
        and month between date_trunc('month', $3::date)::date and $4::date
      group by month order by month`,
    [p.cnpj, foldKey(p.consumerClass), parseAneelDate(p.from), parseAneelDate(p.to)],
  );
  return rows.map((r) => {
    const energyKwh = Number(r.energy);
    const consumers = Number(r.consumers);
    return {
      month: r.month,
      energyKwh,
      consumers,
      kwhPerConsumer: consumers > 0 ? energyKwh / consumers : null,
    };
  });
}
