import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRetryDeps } from '../../../../cloud/aneel/ckan/retry.ts';
import { getRun } from '../../../../cloud/aneel/etl-runs-repository.ts';
import { fileSource } from '../../../../cloud/aneel/load/file-source.ts';
import { runLoad } from '../../../../cloud/aneel/load/load-runner.ts';
import { TARIFF_COLUMNS } from '../../../../cloud/aneel/parse/columns.ts';
import { silentLogger } from '../../../../shared/log.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { type AneelTestDb, aneelTestDb } from './aneel-test-db.ts';

let db: AneelTestDb;
let dir: { path: string; cleanup(): Promise<void> };
const deps = () => ({
  pool: db.pool,
  log: silentLogger(),
  clock: Date.now,
  retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  retryDeps: realRetryDeps,
});

beforeAll(async () => {
  db = await aneelTestDb();
  dir = await tempDir('cds-aneel-rej-');
});
afterAll(async () => {
  await db?.close();
  await dir?.cleanup();
});

const HEADER = TARIFF_COLUMNS.join(';');
// SYNTHETIC rows in the real layout (unquoted, like the legacy form); values invented
function row(over: Partial<Record<(typeof TARIFF_COLUMNS)[number], string>> = {}): string {
  const base: Record<string, string> = {
    DatGeracaoConjuntoDados: '2026-09-30',
    DscREH: 'RESOLUÇÃO HOMOLOGATÓRIA Nº 9.999, DE 1 DE JANEIRO DE 2026',
    SigAgente: 'SINT',
    NumCNPJDistribuidora: '99000000000191',
    DatInicioVigencia: '2026-01-01',
    DatFimVigencia: '2026-12-31',
    DscBaseTarifaria: 'Tarifa de Aplicação',
    DscSubGrupo: 'B1',
    DscModalidadeTarifaria: 'Convencional',
    DscClasse: 'Residencial',
    DscSubClasse: 'Residencial',
    DscDetalhe: 'Não se aplica',
    NomPostoTarifario: 'Não se aplica',
    DscUnidadeTerciaria: 'MWh',
    SigAgenteAcessante: 'Não se aplica',
    VlrTUSD: '500,00',
    VlrTE: '300,00',
  };
  return TARIFF_COLUMNS.map((c) => over[c] ?? base[c]).join(';');
}

describe('rejected rows', () => {
  it('are counted per reason and named with their line, while the good rows load', async () => {
    const lines = [
      HEADER,
      row(), // 2: good
      row({ DscUnidadeTerciaria: 'kWh' }), // 3: bad unit
      row({ DatInicioVigencia: '2026-02-30' }), // 4: bad date
      row({ DatInicioVigencia: '2027-01-01' }), // 5: ends before it starts
      row({ VlrTE: 'abc' }), // 6: bad number
      row({ NumCNPJDistribuidora: 'CEMIG' }), // 7: bad CNPJ
      row().split(';').slice(0, 10).join(';'), // 8: short row
      row({ VlrTE: '301,00' }), // 9: same natural key as line 2
      row({
        SigAgenteAcessante: 'Nao se aplica',
        DscUnidadeTerciaria: 'MWH',
        DscSubClasse: 'Baixa Renda',
        VlrTUSD: '',
      }), // 10: good (folded spellings, missing TUSD)
    ];
    const file = join(dir.path, 'tarifas-homologadas-rejects.SYNTHETIC.csv');
    await writeFile(file, `${lines.join('\n')}\n`, 'utf8');
    const s = await runLoad(deps(), fileSource(file, 'tarifas'));
    expect(s).toMatchObject({ status: 'succeeded', rowsRead: 9, rowsInserted: 2, rowsRejected: 7 });
    const run = await getRun(db.pool, s.runId);
    expect(run?.rowsRejected).toBe(7);
    expect(run?.progress.rejectedByReason).toEqual({
      bad_unit: 1,
      bad_date: 1,
      bad_range: 1,
      bad_number: 1,
      bad_cnpj: 1,
      column_count: 1,
      duplicate_key: 1,
    });
    expect(run?.errors.map((e) => [e.line, e.reason])).toEqual([
      [3, 'bad_unit'],
      [4, 'bad_date'],
      [5, 'bad_range'],
      [6, 'bad_number'],
      [7, 'bad_cnpj'],
      [8, 'column_count'],
      [9, 'duplicate_key'],
    ]);
    const stored = await db.pool.query(
      `select subclass, unit, acessante, tusd::text as tusd, te::text as te from aneel_tariffs order by subclass`,
    );
    expect(stored.rows).toEqual([
      { subclass: 'Baixa Renda', unit: 'MWh', acessante: 'Não se aplica', tusd: null, te: '300.000000' },
      {
        subclass: 'Residencial',
        unit: 'MWh',
        acessante: 'Não se aplica',
        tusd: '500.000000',
        te: '300.000000',
      },
    ]);
  });

  it('a cp1252 byte after a UTF-8-looking first 64 KiB starts the file over as cp1252', async () => {
    // pure ASCII for more than the 64 KiB the encoding is decided on (folded spellings, mapped back at load)
    const folded = {
      DscREH: 'REH 1',
      DscBaseTarifaria: 'Tarifa de Aplicacao',
      DscDetalhe: 'Nao se aplica',
      NomPostoTarifario: 'Nao se aplica',
      SigAgenteAcessante: 'Nao se aplica',
    };
    const ascii = Array.from({ length: 400 }, (_, i) =>
      row({
        ...folded,
        DatInicioVigencia: `2025-01-${String((i % 28) + 1).padStart(2, '0')}`,
        DscSubClasse: `S${i}`,
      }),
    );
    const late = Buffer.from(
      `${row({ DscSubClasse: 'Residencial Tarifa Social \u2013 faixa 01' })}\n`,
      'latin1',
    );
    late[late.indexOf(0x13)] = 0x96; // the en dash, as cp1252 writes it
    const head = Buffer.from(`${[HEADER, ...ascii].join('\n')}\n`, 'utf8');
    expect(head.length).toBeGreaterThan(64 * 1024);
    expect(head.every((b) => b < 0x80)).toBe(true);
    const file = join(dir.path, 'tarifas-homologadas-late-cp1252.SYNTHETIC.csv');
    await writeFile(file, Buffer.concat([head, late]));
    const s = await runLoad(deps(), fileSource(file, 'tarifas'));
    expect(s).toMatchObject({ status: 'succeeded', rowsRead: 401, rowsRejected: 0 });
    const run = await getRun(db.pool, s.runId);
    expect(run?.progress).toMatchObject({ attempt: 2, encoding: 'windows-1252' });
    const { rows } = await db.pool.query(`select count(*)::int as n from aneel_tariffs where subclass = $1`, [
      'Residencial Tarifa Social – faixa 01',
    ]);
    expect(rows[0].n).toBe(1);
    const bases = await db.pool.query(
      `select distinct base, detail from aneel_tariffs where reh in ('REH 1', $1)`,
      ['RESOLUÇÃO HOMOLOGATÓRIA Nº 9.999, DE 1 DE JANEIRO DE 2026'],
    );
    expect(bases.rows).toEqual([{ base: 'Tarifa de Aplicação', detail: 'Não se aplica' }]);
  });
});
