import { describe, expect, it } from 'vitest';
import { compareReh, parseReh } from '../../../../cloud/aneel/reh.ts';
import { resolveTariffLines, type TariffLine } from '../../../../cloud/aneel/tariff-resolution.ts';

const REH_3459 = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.459, DE 20 DE MAIO DE 2025';
const REH_3589 = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 3.589, DE 26 DE MAIO DE 2026';
const CONV = ['Não se aplica'] as const;
let nextId = 1;

function line(p: Partial<TariffLine> & Pick<TariffLine, 'validFrom' | 'validTo'>): TariffLine {
  return { tariffId: nextId++, reh: REH_3459, posto: 'Não se aplica', tusd: '541.3', te: '317.28', ...p };
}

describe('REH order', () => {
  it('reads number and date from the forms seen in the file', () => {
    expect(parseReh(REH_3589)).toEqual({ date: '2026-05-26', number: 3589 });
    expect(parseReh('RESOLUÇÃO HOMOLOGATÓRIA N° 1.870, DE 7 DE ABRIL DE 2015')).toEqual({
      date: '2015-04-07',
      number: 1870,
    });
    expect(parseReh('DESPACHO Nº 2.783, DE 27 DE NOVEMBRO DE 2018')).toEqual({
      date: '2018-11-27',
      number: 2783,
    });
    expect(parseReh('DSP RETIFICAÇÃO DE 24 DE NOVEMBRO DE 2016')).toEqual({
      date: '2016-11-24',
      number: undefined,
    });
    expect(parseReh('RESOLUÇÃO HOMOLOGATÓRIA Nº 0.951, DE 16 DE MARÇO DE 2010 ')).toEqual({
      date: '2010-03-16',
      number: 951,
    });
    expect(parseReh('REH nº 3.306/2024')).toEqual({ date: '2024-01-01', number: 3306 });
    expect(parseReh('')).toEqual({ date: undefined, number: undefined });
  });

  it('orders acts by date, then number; undated acts first', () => {
    expect(compareReh(REH_3459, REH_3589)).toBeLessThan(0);
    expect(compareReh(REH_3589, REH_3459)).toBeGreaterThan(0);
    expect(compareReh('', REH_3459)).toBeLessThan(0);
    const a = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 2.870, DE 15 DE JUNHO DE 2021';
    const b = 'RESOLUÇÃO HOMOLOGATÓRIA Nº 2.871, DE 15 DE JUNHO DE 2021';
    expect(compareReh(a, b)).toBeLessThan(0);
    expect(compareReh(REH_3459, `${REH_3459}`)).toBe(0);
  });
});

describe('resolveTariffLines (aneel.md §2)', () => {
  it('one line: clipped to the asked range, no gaps, no conflicts', () => {
    const r = resolveTariffLines(
      [line({ validFrom: '2026-05-28', validTo: '2027-05-27', reh: REH_3589, tusd: '593.08', te: '310.21' })],
      {
        from: '2026-07-01',
        to: '2026-07-31',
        postos: CONV,
      },
    );
    expect(r.periods).toMatchObject([
      {
        from: '2026-07-01',
        to: '2026-07-31',
        posto: 'Não se aplica',
        tusdRsMwh: 593.08,
        teRsMwh: 310.21,
        reh: REH_3589,
      },
    ]);
    expect(r.gaps).toEqual([]);
    expect(r.conflicts).toEqual([]);
  });

  it('a row split at 2026-01-01 under the same act gives two periods and no conflict', () => {
    const r = resolveTariffLines(
      [
        line({ validFrom: '2025-05-28', validTo: '2025-12-31', te: '317.28' }),
        line({ validFrom: '2026-01-01', validTo: '2026-05-27', te: '318.00' }),
      ],
      { from: '2025-12-30', to: '2026-01-02', postos: CONV },
    );
    expect(r.periods.map((p) => [p.from, p.to, p.teRsMwh])).toEqual([
      ['2025-12-30', '2025-12-31', 317.28],
      ['2026-01-01', '2026-01-02', 318],
    ]);
    expect(r.conflicts).toEqual([]);
  });

  it('same act, two rows over the same days: the shortest vigência wins and the conflict is recorded', () => {
    const toYearEnd = line({ validFrom: '2025-05-28', validTo: '2025-12-31', tusd: '541.3' });
    const toReadjustment = line({ validFrom: '2025-05-28', validTo: '2026-05-27', tusd: '550' });
    const r = resolveTariffLines([toReadjustment, toYearEnd], {
      from: '2025-12-01',
      to: '2026-01-31',
      postos: CONV,
    });
    expect(r.periods.map((p) => [p.from, p.to, p.tusdRsMwh])).toEqual([
      ['2025-12-01', '2025-12-31', 541.3],
      ['2026-01-01', '2026-01-31', 550],
    ]);
    expect(r.conflicts).toHaveLength(1);
    expect(r.conflicts[0]).toMatch(
      /^2025-12-01\.\.2025-12-31 Não se aplica: 2 lines overlap; used .*2025-05-28\.\.2025-12-31.*shortest vigência/,
    );
  });

  it('two acts over the same period: the later act wins, whatever the order of the rows', () => {
    const earlier = line({
      reh: 'RESOLUÇÃO HOMOLOGATÓRIA Nº 2.870, DE 15 DE JUNHO DE 2021',
      validFrom: '2021-06-22',
      validTo: '2021-07-05',
      te: '200',
    });
    const later = line({
      reh: 'RESOLUÇÃO HOMOLOGATÓRIA Nº 2.880, DE 29 DE JUNHO DE 2021',
      validFrom: '2021-06-22',
      validTo: '2021-07-05',
      te: '210',
    });
    for (const lines of [
      [earlier, later],
      [later, earlier],
    ]) {
      const r = resolveTariffLines(lines, { from: '2021-06-22', to: '2021-07-05', postos: CONV });
      expect(r.periods).toHaveLength(1);
      expect(r.periods[0]).toMatchObject({ teRsMwh: 210, reh: later.reh });
      expect(r.conflicts).toHaveLength(1);
      expect(r.conflicts[0]).toContain('(later act)');
      expect(r.conflicts[0]).toContain('2.870');
    }
  });

  it('reports gaps and never fills them with a neighbouring value', () => {
    const r = resolveTariffLines(
      [
        line({ validFrom: '2020-07-01', validTo: '2021-06-18' }),
        line({ validFrom: '2021-07-01', validTo: '2022-06-18' }),
      ],
      { from: '2021-06-15', to: '2021-07-02', postos: CONV },
    );
    expect(r.periods.map((p) => [p.from, p.to])).toEqual([
      ['2021-06-15', '2021-06-18'],
      ['2021-07-01', '2021-07-02'],
    ]);
    expect(r.gaps).toEqual([{ from: '2021-06-19', to: '2021-06-30' }]);
  });

  it('Branca: a posto without a line makes the day a gap; the other postos are still priced', () => {
    const r = resolveTariffLines(
      [
        line({ posto: 'Ponta', validFrom: '2026-05-28', validTo: '2027-05-27', tusd: '985.4', te: '478.12' }),
        line({
          posto: 'Fora ponta',
          validFrom: '2026-05-28',
          validTo: '2027-05-27',
          tusd: '362.05',
          te: '294.11',
        }),
      ],
      { from: '2026-06-01', to: '2026-06-02', postos: ['Ponta', 'Intermediário', 'Fora ponta'] },
    );
    expect(r.periods.map((p) => p.posto)).toEqual(['Ponta', 'Fora ponta']);
    expect(r.gaps).toEqual([{ from: '2026-06-01', to: '2026-06-02' }]);
  });

  it('a published zero is a value; an empty value is ignored and reported', () => {
    const zero = resolveTariffLines(
      [line({ validFrom: '2010-03-22', validTo: '2011-03-21', tusd: '0', te: '0' })],
      {
        from: '2010-04-01',
        to: '2010-04-01',
        postos: CONV,
      },
    );
    expect(zero.periods).toMatchObject([{ tusdRsMwh: 0, teRsMwh: 0 }]);
    expect(zero.gaps).toEqual([]);
    const missing = resolveTariffLines([line({ validFrom: '2010-03-22', validTo: '2011-03-21', te: null })], {
      from: '2010-04-01',
      to: '2010-04-01',
      postos: CONV,
    });
    expect(missing.periods).toEqual([]);
    expect(missing.gaps).toEqual([{ from: '2010-04-01', to: '2010-04-01' }]);
    expect(missing.conflicts[0]).toContain('has no published TE; ignored');
  });
});
