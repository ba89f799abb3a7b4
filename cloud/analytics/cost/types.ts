import type { LocalDate } from './local-time.ts';

/**
 * Plain input shapes of the cost engine. They mirror what the aneel helper's repository returns
 * (`resolveTariffs`, `flagsForRange`, `sampAverage` in cloud/aneel/tariff-repository.ts) so the engine can be
 * tested without a database and fed straight from that repository in production.
 */

export type Posto = 'Não se aplica' | 'Ponta' | 'Intermediário' | 'Fora ponta';
export const BRANCA_POSTOS = ['Ponta', 'Intermediário', 'Fora ponta'] as const satisfies readonly Posto[];

export type Modality = 'Convencional' | 'Branca';
export type SupplyType = 'monofasico' | 'bifasico' | 'trifasico';

/** One tariff row in force from `from` to `to` (inclusive), values in R$/MWh. */
export interface TariffPeriod {
  from: LocalDate;
  to: LocalDate;
  posto: Posto;
  tusdRsMwh: number;
  teRsMwh: number;
  reh: string;
}

export interface TariffResolution {
  periods: TariffPeriod[];
  /** Date ranges with no tariff at all (never filled with a neighbouring value). */
  gaps: { from: LocalDate; to: LocalDate }[];
  /** Overlaps the repository resolved, as human-readable notes. */
  conflicts: string[];
}

/** A published flag month (`month` = first day). */
export interface FlagMonth {
  month: LocalDate;
  flag: string;
  adicionalRsMwh: number;
  published: true;
}

/** Fractions, e.g. `{ icms: 0.18, pis: 0.0082, cofins: 0.0377 }`. */
export interface SiteTaxes {
  icms: number;
  pis: number;
  cofins: number;
}

/** Energy consumed during the UTC hour starting at `hourStartMs`. */
export interface HourEnergy {
  hourStartMs: number;
  wh: number;
}
