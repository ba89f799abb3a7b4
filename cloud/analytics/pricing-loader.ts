import type { Queryable } from '../aicss/queryable.ts';
import { flagsForRange, resolveTariffs } from '../aneel/tariff-repository.ts';
import type { AnalyticsRepository, AnalyticsSite } from './analytics-repository.ts';
import type { BrancaSchedule } from './cost/branca-postos.ts';
import type { LocalDate } from './cost/local-time.ts';
import type { FlagMonth, Modality, TariffResolution } from './cost/types.ts';

/** Flags are looked up from the first month ANEEL ran the system, so an unpublished month always has a stand-in. */
const FLAGS_SINCE = '2015-01-01';

export interface PricingData {
  modality: Modality;
  tariffs: TariffResolution;
  /** Convencional tariffs (availability cost of a Branca site; the advisor's other side). */
  conventional: TariffResolution;
  /** Branca tariffs (the advisor), resolved on demand. */
  branca?: TariffResolution;
  flags: FlagMonth[];
  schedules: BrancaSchedule[];
  /** Why nothing can be priced, when that is the case. */
  unavailable?: string;
}

const EMPTY: TariffResolution = { periods: [], gaps: [], conflicts: [] };

/**
 * Everything needed to price a site's energy over local days [from, to], read at request time from the
 * ANEEL tables (aneel helper's repository) and branca_schedules — so a flag month or tariff loaded later
 * re-prices the same query.
 */
export async function loadPricing(
  db: Queryable,
  repo: AnalyticsRepository,
  site: AnalyticsSite,
  range: { from: LocalDate; to: LocalDate },
  opts: { modality?: Modality; withBranca?: boolean } = {},
): Promise<PricingData> {
  const modality = opts.modality ?? site.modality;
  const flags = await flagsForRange(db, { from: FLAGS_SINCE, to: range.to });
  if (!site.distributorCnpj) {
    return {
      modality,
      tariffs: EMPTY,
      conventional: EMPTY,
      flags,
      schedules: [],
      unavailable: 'the site has no distributor CNPJ: energy cannot be priced',
    };
  }
  const base = {
    cnpj: site.distributorCnpj,
    subgroup: site.subgroup,
    consumerClass: site.consumerClass,
    from: range.from,
    to: range.to,
  };
  const conventional = await resolveTariffs(db, { ...base, modality: 'Convencional' });
  const needBranca = modality === 'Branca' || opts.withBranca === true;
  const branca = needBranca ? await resolveTariffs(db, { ...base, modality: 'Branca' }) : undefined;
  const schedules = needBranca ? await repo.brancaSchedules(site.distributorCnpj) : [];
  return {
    modality,
    tariffs: modality === 'Branca' ? (branca as TariffResolution) : conventional,
    conventional,
    ...(branca ? { branca } : {}),
    flags,
    schedules,
  };
}
