import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AneelSync } from '../../../../cloud/aneel/aneel-sync.ts';
import { realRetryDeps } from '../../../../cloud/aneel/ckan/retry.ts';
import { findDistributor, sampMonthly } from '../../../../cloud/aneel/distributor-repository.ts';
import { fileSource } from '../../../../cloud/aneel/load/file-source.ts';
import { runLoad } from '../../../../cloud/aneel/load/load-runner.ts';
import {
  flagsForRange,
  resolveTariffs,
  sampAverage,
  sampTotals,
} from '../../../../cloud/aneel/tariff-repository.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { type AneelTestDb, aneelTestDb, FIXTURES, resetAneelTables } from './aneel-test-db.ts';

const CEMIG = '06981180000116';
const RGE = '02016440000162';
const COCEL = '75805895000130';
const REH_3459 = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.459, DE 20 DE MAIO DE 2025';
const REH_3589 = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.589, DE 26 DE MAIO DE 2026';

let db: AneelTestDb;
const loadDeps = () => ({
  pool: db.pool,
  log: silentLogger(),
  clock: Date.now,
  retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
  retryDeps: realRetryDeps,
});
const newSync = () => new AneelSync({ ...loadDeps(), baseUrl: 'http://127.0.0.1:9' });

beforeAll(async () => {
  db = await aneelTestDb();
});
afterAll(async () => {
  await db?.close();
});

describe('every fixture file from a folder (cds cloud aneel sync --from-dir)', () => {
  beforeAll(async () => {
    await resetAneelTables(db.pool);
  });

  it('maps file names to data sets and loads each file once', async () => {
    const result = await newSync().run({ trigger: 'cli', fromDir: FIXTURES });
    expect(result.status).toBe('succeeded');
    expect(result.ignoredFiles).toContain('ckan-package_show-samp.json');
    expect(
      result.loads.map((l) => [
        l.source.split('/').at(-1),
        l.rowsRead,
        l.rowsInserted,
        l.rowsUpdated,
        l.rowsRejected,
      ]),
    ).toEqual([
      ['bandeira-tarifaria-acionamento.verbatim.csv', 136, 136, 0, 0],
      ['bandeira-tarifaria-adicional-sample.csv', 27, 27, 0, 0],
      ['samp-2024-cocel-residencial.SYNTHETIC.csv', 7, 7, 0, 0],
      ['samp-2024-cocel.verbatim.csv', 24, 24, 0, 0],
      ['tarifas-homologadas-branca.SYNTHETIC.csv', 6, 6, 0, 0],
      // the legacy file is 8 of the sample's rows in cp1252, unquoted, LF
      ['tarifas-homologadas-legacy-cp1252-unquoted.SYNTHETIC.csv', 8, 8, 0, 0],
      // so 8 of the sample's 66 rows are already there, with the same values
      ['tarifas-homologadas-sample.csv', 66, 58, 0, 0],
    ]);
  });

  it('loading again changes nothing: unchanged files are skipped, forced reloads write nothing', async () => {
    const again = await newSync().run({ trigger: 'cli', fromDir: FIXTURES });
    expect(again.loads.every((l) => l.unchanged && l.rowsInserted === 0 && l.rowsUpdated === 0)).toBe(true);
    const forced = await newSync().run({ trigger: 'cli', fromDir: FIXTURES, force: true });
    expect(forced.loads.map((l) => l.rowsRead)).toEqual([136, 27, 7, 24, 6, 8, 66]);
    expect(forced.loads.every((l) => l.rowsInserted === 0 && l.rowsUpdated === 0)).toBe(true);
  });

  it('CEMIG-D B1 Convencional on a day of its 2026 validity: TUSD 593,08 + TE 310,21 R$/MWh', async () => {
    const r = await resolveTariffs(db.pool, {
      cnpj: CEMIG,
      subgroup: 'B1',
      modality: 'Convencional',
      from: '2026-07-15',
      to: '2026-07-15',
    });
    expect(r).toEqual({
      periods: [
        {
          from: '2026-07-15',
          to: '2026-07-15',
          posto: 'Não se aplica',
          tusdRsMwh: 593.08,
          teRsMwh: 310.21,
          reh: REH_3589,
        },
      ],
      gaps: [],
      conflicts: [],
    });
  });

  it('follows CEMIG-D across the 2026-01-01 split and the 2026 readjustment, and reports days before its data', async () => {
    const r = await resolveTariffs(db.pool, {
      cnpj: '06.981.180/0001-16',
      subgroup: 'B1',
      modality: 'Convencional',
      from: '2025-05-20',
      to: '2026-06-05',
    });
    expect(r.periods.map((p) => [p.from, p.to, p.tusdRsMwh, p.teRsMwh, p.reh])).toEqual([
      ['2025-05-28', '2025-12-31', 541.3, 317.28, REH_3459],
      ['2026-01-01', '2026-05-27', 541.3, 317.28, REH_3459],
      ['2026-05-28', '2026-06-05', 593.08, 310.21, REH_3589],
    ]);
    // the sample has no CEMIG-D B1 row before 2025-05-28: a gap, not the next value carried back
    expect(r.gaps).toEqual([{ from: '2025-05-20', to: '2025-05-27' }]);
    expect(r.conflicts).toEqual([]);
  });

  it('uses only Tarifa de Aplicação, detalhe Não se aplica and MWh (not Base Econômica, SCEE or kW rows)', async () => {
    const baixaRenda = await resolveTariffs(db.pool, {
      cnpj: CEMIG,
      subgroup: 'B1',
      modality: 'Convencional',
      subclass: 'Baixa Renda',
      from: '2026-07-15',
      to: '2026-07-15',
    });
    expect(baixaRenda.periods).toMatchObject([{ tusdRsMwh: 418.31, teRsMwh: 308.76 }]);
    const azul = await resolveTariffs(db.pool, {
      cnpj: CEMIG,
      subgroup: 'A2',
      modality: 'Azul',
      consumerClass: 'Não se aplica',
      subclass: 'Não se aplica',
      from: '2026-07-15',
      to: '2026-07-15',
    });
    // the only A2 Azul row is a kW demand row with detalhe APE
    expect(azul.periods).toEqual([]);
  });

  it('keeps one CNPJ across a sigla change (RGE SUL → RGE) and a published zero as zero', async () => {
    const rge = await resolveTariffs(db.pool, {
      cnpj: RGE,
      subgroup: 'B1',
      modality: 'Convencional',
      from: '2019-04-10',
      to: '2019-06-25',
    });
    expect(rge.periods.map((p) => [p.from, p.to, p.tusdRsMwh, p.teRsMwh])).toEqual([
      ['2019-04-10', '2019-04-18', 250.5, 296.82],
      ['2019-04-19', '2019-06-18', 250.5, 296.82],
      ['2019-06-19', '2019-06-25', 290.26, 270.01],
    ]);
    expect(rge.gaps).toEqual([]);
    expect(await findDistributor(db.pool, 'rge sul')).toEqual({ cnpj: RGE, sigla: 'RGE' });
    expect(await findDistributor(db.pool, 'CEMIG-D')).toEqual({ cnpj: CEMIG, sigla: 'CEMIG-D' });
    expect(await findDistributor(db.pool, 'NOPE')).toBeNull();

    const ceres = await resolveTariffs(db.pool, {
      cnpj: '31465487000101',
      subgroup: 'B2',
      modality: 'Convencional',
      consumerClass: 'Rural',
      subclass: 'Cooperativa de eletrificação rural',
      from: '2010-06-01',
      to: '2010-06-01',
    });
    expect(ceres.periods).toMatchObject([{ tusdRsMwh: 0, teRsMwh: 0 }]);
  });

  it('Branca: one period per posto (SYNTHETIC values)', async () => {
    const r = await resolveTariffs(db.pool, {
      cnpj: CEMIG,
      subgroup: 'B1',
      modality: 'Branca',
      from: '2026-07-15',
      to: '2026-07-16',
    });
    expect(r.periods.map((p) => [p.posto, p.tusdRsMwh, p.teRsMwh])).toEqual([
      ['Ponta', 985.4, 478.12],
      ['Intermediário', 865.22, 310.21],
      ['Fora ponta', 362.05, 294.11],
    ]);
    expect(r.gaps).toEqual([]);
  });

  it('flag months from the real acionamento file (cp1252, LF, unquoted)', async () => {
    const months = await flagsForRange(db.pool, { from: '2015-01-01', to: '2026-12-31' });
    expect(months).toHaveLength(136);
    const at = (m: string) => months.find((f) => f.month === m);
    expect(at('2021-09-01')).toEqual({
      month: '2021-09-01',
      flag: 'Escassez Hídrica',
      adicionalRsMwh: 142,
      published: true,
    });
    expect(at('2022-04-01')).toMatchObject({ flag: 'Escassez Hídrica', adicionalRsMwh: 71 });
    expect(at('2024-07-01')).toMatchObject({ flag: 'Amarela', adicionalRsMwh: 18.85 });
    expect(at('2024-10-01')).toMatchObject({ flag: 'Vermelha P2', adicionalRsMwh: 78.77 });
    expect(at('2016-04-01')).toMatchObject({ flag: 'Verde', adicionalRsMwh: 0 });
    // a range that starts mid-month includes that month; months not published yet are simply absent
    expect(
      (await flagsForRange(db.pool, { from: '2026-04-15', to: '2026-09-30' })).map((f) => f.month),
    ).toEqual(['2026-04-01']);
    const { rows } = await db.pool.query(
      `select adicional_rs_mwh::text as v from aneel_flag_levels where valid_from = '2024-04-01' and flag = 'Vermelha P2'`,
    );
    expect(rows).toEqual([{ v: '78.77' }]);
  });
});

describe('SAMP average kWh per consumer', () => {
  beforeAll(async () => {
    await resetAneelTables(db.pool);
  });

  it('the real COCEL sample has residential energy but no residential consumer count', async () => {
    await runLoad(loadDeps(), fileSource(join(FIXTURES, 'samp-2024-cocel.verbatim.csv'), 'samp'));
    // Residencial rows of 2024-01: Regular Branca Intermediário "Energia TE (kWh)" 122 (counted) and
    // "Sistema de Compensação GD I - Refaturamento" Energia TE -76 (left out); no "Número de consumidores".
    expect(await sampTotals(db.pool, { cnpj: COCEL, month: '2024-01-01' })).toEqual({
      energyKwh: 122,
      consumers: 0,
      rows: 1,
    });
    expect(await sampAverage(db.pool, { cnpj: COCEL, month: '2024-01-01' })).toBeNull();
    // Comercial: 5 (GD I, A3a) + 2 (Regular Azul A4) consumers, but no "Energia TE" row
    expect(
      await sampTotals(db.pool, { cnpj: COCEL, consumerClass: 'comercial', month: '2024-01' }),
    ).toMatchObject({
      energyKwh: 0,
      consumers: 7,
    });
    const { rows } = await db.pool.query(
      `select subclass from aneel_samp where metric = 'COFINS (R$)' and subclass like 'Residencial baixa%'`,
    );
    expect(rows).toEqual([{ subclass: 'Residencial baixa renda – faixa 03' }]);
  });

  it('sums breakdown rows, both consumer-count spellings, captive only, no refaturamento', async () => {
    await runLoad(
      loadDeps(),
      fileSource(join(FIXTURES, 'samp-2024-cocel-residencial.SYNTHETIC.csv'), 'samp'),
    );
    // Energia TE: 1 500 000 (Residencial) + 40 000 (baixa renda – faixa 03) + 122 (real Branca row) = 1 540 122
    //   (left out: LIVRE 9 999, Comercial 777 777, refaturamento −76)
    // consumers: 10 000 ("Número de consumidores") + 300 ("Número de Consumidores") = 10 300
    //   (left out: the refaturamento count of 5)
    // 1 540 122 / 10 300 = 149.526407… kWh per consumer
    const avg = await sampAverage(db.pool, { cnpj: COCEL, month: '2024-01-01' });
    expect(avg).toEqual({ kwhPerConsumer: 1_540_122 / 10_300, energyKwh: 1_540_122, consumers: 10_300 });
    expect(avg?.kwhPerConsumer).toBeCloseTo(149.5264, 4);
    expect(
      await sampMonthly(db.pool, {
        cnpj: COCEL,
        consumerClass: 'Residencial',
        from: '2023-12-01',
        to: '2024-03-31',
      }),
    ).toEqual([
      { month: '2024-01-01', energyKwh: 1_540_122, consumers: 10_300, kwhPerConsumer: 1_540_122 / 10_300 },
    ]);
    expect(await findDistributor(db.pool, 'COCEL')).toEqual({ cnpj: COCEL, sigla: 'COCEL' });
  });
});
