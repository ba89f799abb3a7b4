import type { BrancaSchedule } from '../../../../../cloud/analytics/cost/branca-postos.ts';
import type { FlagMonth, TariffPeriod, TariffResolution } from '../../../../../cloud/analytics/cost/types.ts';

/**
 * Test inputs in the shapes of cloud/aneel/tariff-repository.ts.
 *
 * REAL values (copied from /work/shared/fixtures/aneel, VERBATIM rows):
 * - CEMIG-D (06981180000116) B1 Residencial Convencional, Tarifa de Aplicação:
 *   REH 3.459/2025 2025-05-28→2025-12-31 and 2026-01-01→2026-05-27: TUSD 541,30 TE 317,28;
 *   REH 3.589/2026 2026-05-28→2027-05-27: TUSD 593,08 TE 310,21.
 * - Flags from bandeira-tarifaria-acionamento.verbatim.csv (2024-09 … 2026-04).
 *
 * SYNTHETIC values (tarifas-homologadas-branca.SYNTHETIC.csv — invented numbers, real format):
 * - CEMIG-D B1 Branca 2026-05-28→2027-05-27: Ponta 985,40+478,12; Intermediário 865,22+310,21;
 *   Fora ponta 362,05+294,11.
 */
export const CEMIG_CNPJ = '06981180000116';
const REH_2025 = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.459, DE 20 DE MAIO DE 2025';
const REH_2026 = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.589, DE 26 DE MAIO DE 2026';

export const CEMIG_CONVENCIONAL: TariffPeriod[] = [
  {
    from: '2025-05-28',
    to: '2025-12-31',
    posto: 'Não se aplica',
    tusdRsMwh: 541.3,
    teRsMwh: 317.28,
    reh: REH_2025,
  },
  {
    from: '2026-01-01',
    to: '2026-05-27',
    posto: 'Não se aplica',
    tusdRsMwh: 541.3,
    teRsMwh: 317.28,
    reh: REH_2025,
  },
  {
    from: '2026-05-28',
    to: '2027-05-27',
    posto: 'Não se aplica',
    tusdRsMwh: 593.08,
    teRsMwh: 310.21,
    reh: REH_2026,
  },
];

export const CEMIG_BRANCA_SYNTHETIC: TariffPeriod[] = [
  { from: '2026-05-28', to: '2027-05-27', posto: 'Ponta', tusdRsMwh: 985.4, teRsMwh: 478.12, reh: REH_2026 },
  {
    from: '2026-05-28',
    to: '2027-05-27',
    posto: 'Intermediário',
    tusdRsMwh: 865.22,
    teRsMwh: 310.21,
    reh: REH_2026,
  },
  {
    from: '2026-05-28',
    to: '2027-05-27',
    posto: 'Fora ponta',
    tusdRsMwh: 362.05,
    teRsMwh: 294.11,
    reh: REH_2026,
  },
];

export function resolution(periods: TariffPeriod[], from: string, to: string): TariffResolution {
  return { periods: periods.filter((p) => p.from <= to && p.to >= from), gaps: [], conflicts: [] };
}

const f = (month: string, flag: string, adicionalRsMwh: number): FlagMonth => ({
  month,
  flag,
  adicionalRsMwh,
  published: true,
});

/** Real rows of the acionamento file, 2024-09 → 2026-04 (its last published month). */
export const REAL_FLAGS: FlagMonth[] = [
  f('2024-09-01', 'Vermelha P1', 44.63),
  f('2024-10-01', 'Vermelha P2', 78.77),
  f('2024-11-01', 'Amarela', 18.85),
  f('2024-12-01', 'Verde', 0),
  f('2025-01-01', 'Verde', 0),
  f('2025-02-01', 'Verde', 0),
  f('2025-03-01', 'Verde', 0),
  f('2025-04-01', 'Verde', 0),
  f('2025-05-01', 'Amarela', 18.85),
  f('2025-06-01', 'Vermelha P1', 44.63),
  f('2025-07-01', 'Vermelha P1', 44.63),
  f('2025-08-01', 'Vermelha P2', 78.77),
  f('2025-09-01', 'Vermelha P2', 78.77),
  f('2025-10-01', 'Vermelha P1', 44.63),
  f('2025-11-01', 'Vermelha P1', 44.63),
  f('2025-12-01', 'Amarela', 18.85),
  f('2026-01-01', 'Verde', 0),
  f('2026-02-01', 'Verde', 0),
  f('2026-03-01', 'Verde', 0),
  f('2026-04-01', 'Verde', 0),
];

/**
 * CEMIG-D's ponta 17:00–20:00 with intermediário 16–17 and 20–21 (portalamirt.com.br / Rádio Sucesso FM,
 * "Em Minas, o horário de ponta vai de 17h às 20h"; press source, not an ANEEL act).
 */
export const CEMIG_SCHEDULE: BrancaSchedule = {
  distributorCnpj: CEMIG_CNPJ,
  pontaStartMin: 17 * 60,
  pontaEndMin: 20 * 60,
  intermediateBeforeMin: 60,
  intermediateAfterMin: 60,
  validFrom: '2018-01-01',
  validTo: null,
  source: 'portalamirt.com.br (Rádio Sucesso FM)',
  confidence: 'press',
};

/** Hourly energy for every UTC hour whose local day (tz) is in [from, to]; `wh(localHour, date)`. */
export function hourlyEnergy(
  tz: string,
  from: string,
  to: string,
  wh: (localHour: number, date: string) => number,
): { hourStartMs: number; wh: number }[] {
  const offsetH = tz === 'America/Sao_Paulo' ? -3 : 0;
  const out: { hourStartMs: number; wh: number }[] = [];
  const start = Date.parse(`${from}T00:00:00Z`) - offsetH * 3_600_000;
  const end = Date.parse(`${to}T00:00:00Z`) + 86_400_000 - offsetH * 3_600_000;
  for (let t = start; t < end; t += 3_600_000) {
    const local = new Date(t + offsetH * 3_600_000);
    out.push({ hourStartMs: t, wh: wh(local.getUTCHours(), local.toISOString().slice(0, 10)) });
  }
  return out;
}
