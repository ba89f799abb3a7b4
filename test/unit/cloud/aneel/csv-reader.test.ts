import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TARIFF_COLUMNS } from '../../../../cloud/aneel/parse/columns.ts';
import { type CsvRecord, readAneelCsv } from '../../../../cloud/aneel/parse/csv-reader.ts';

const FIXTURES = new URL('../../../fixtures/aneel/', import.meta.url).pathname;
const COLS = ['DatCompetencia', 'NomBandeiraAcionada', 'VlrAdicionalBandeira'] as const;

async function read(bytes: Buffer | string, columns: readonly string[] = COLS): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  const src = Readable.from([typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes]);
  for await (const r of readAneelCsv(src, { columns, source: 'test.csv' })) out.push(r);
  return out;
}

describe('readAneelCsv', () => {
  it('reads quoted CRLF and unquoted LF alike, with no \\r left on the last field', async () => {
    const quoted = await read(
      '"DatCompetencia";"NomBandeiraAcionada";"VlrAdicionalBandeira"\r\n"2021-09-01";"Escassez Hídrica";"142,00"\r\n',
    );
    const plain = await read(
      'DatCompetencia;NomBandeiraAcionada;VlrAdicionalBandeira\n2021-09-01;Escassez Hídrica;142,00\n',
    );
    const expected = {
      DatCompetencia: '2021-09-01',
      NomBandeiraAcionada: 'Escassez Hídrica',
      VlrAdicionalBandeira: '142,00',
    };
    expect(quoted.map((r) => r.values)).toEqual([expected]);
    expect(plain.map((r) => r.values)).toEqual([expected]);
    expect(quoted[0]).toMatchObject({ line: 2, fieldCount: 3 });
  });

  it('maps columns by name, accepts a BOM and a case difference in the header', async () => {
    const recs = await read(
      '\uFEFFvlradicionalbandeira;NomBandeiraAcionada;DatCompetencia\n,00;Verde;2026-04-01\n',
    );
    expect(recs[0]?.values).toEqual({
      DatCompetencia: '2026-04-01',
      NomBandeiraAcionada: 'Verde',
      VlrAdicionalBandeira: ',00',
    });
  });

  it('keeps a semicolon inside quotes and a REH with commas', async () => {
    const recs = await read(
      'DatCompetencia;NomBandeiraAcionada;VlrAdicionalBandeira\n2024-07-01;"Amarela; nota";"18,85"\n',
    );
    expect(recs[0]?.values.NomBandeiraAcionada).toBe('Amarela; nota');
  });

  it('reports the field count of a short row instead of failing the file', async () => {
    const recs = await read(
      'DatCompetencia;NomBandeiraAcionada;VlrAdicionalBandeira\n2024-07-01;Amarela\n2024-08-01;Verde;,00\n',
    );
    expect(recs.map((r) => r.fieldCount)).toEqual([2, 3]);
  });

  it('fails loudly, naming the columns, on an unknown or missing column', async () => {
    await expect(
      read('DatCompetencia;NomBandeiraAcionada;VlrAdicionalBandeira;Extra\n'),
    ).rejects.toMatchObject({
      code: 'schema_drift',
      message: expect.stringContaining('unknown column(s) "Extra"'),
    });
    await expect(read('DatCompetencia;VlrAdicionalBandeira\n2024-01-01;,00\n')).rejects.toMatchObject({
      code: 'schema_drift',
      message: expect.stringContaining('missing column(s) "NomBandeiraAcionada"'),
    });
    await expect(read('')).rejects.toMatchObject({ code: 'schema_drift' });
  });

  it('names the dictionary spelling as drift: the real header is the contract', async () => {
    const header = TARIFF_COLUMNS.map((c) => (c === 'DscREH' ? 'DscResolucaoHomologatoria' : c)).join(';');
    await expect(read(`${header}\n`, TARIFF_COLUMNS)).rejects.toMatchObject({
      code: 'schema_drift',
      details: { unknown: ['DscResolucaoHomologatoria'], missing: ['DscREH'] },
    });
  });

  it('reads the cp1252 unquoted LF legacy file and the UTF-8 quoted CRLF one to the same values', async () => {
    const collect = async (name: string) => {
      const out: Record<string, string>[] = [];
      for await (const r of readAneelCsv(createReadStream(FIXTURES + name, { highWaterMark: 13 }), {
        columns: TARIFF_COLUMNS,
        source: name,
      })) {
        out.push(r.values);
      }
      return out;
    };
    const legacy = await collect('tarifas-homologadas-legacy-cp1252-unquoted.SYNTHETIC.csv');
    const sample = await collect('tarifas-homologadas-sample.csv');
    expect(legacy).toHaveLength(8);
    expect(legacy[0]?.DscREH).toBe('RESOLUÇÃO HOMOLOGATÓRIA Nº 0.951, DE 16 DE MARÇO DE 2010');
    expect(sample.slice(0, 8)).toEqual(legacy);
  });
});

describe('csvRecordStream', () => {
  it('destroys the byte source when reading stops early (a drifted header)', async () => {
    const { csvRecordStream } = await import('../../../../cloud/aneel/parse/record-stream.ts');
    // a source that never ends (like a download still running): more than the 64 KiB encoding prefix
    const source = new Readable({ read() {} });
    source.push(Buffer.from(`Unknown;Header\n${'1;2\n'.repeat(20_000)}`));
    const s = csvRecordStream(source, { columns: COLS, source: 'early.csv' });
    await expect(
      (async () => {
        for await (const _ of s.records) {
          // drains until the header check fails
        }
      })(),
    ).rejects.toMatchObject({ code: 'schema_drift' });
    await new Promise((r) => setImmediate(r));
    expect(source.destroyed).toBe(true);
  });
});
