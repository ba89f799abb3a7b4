import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { TARIFF_COLUMNS } from '../parse/columns.ts';

/**
 * A SYNTHETIC tariff file in the real byte format (UTF-8, every field quoted, `;`, CRLF, decimal comma), for
 * measuring the load rate at the real file's scale (about 278k rows). Row shapes follow the real sample
 * (bases, subgroups, modalities, postos, units, SCEE/APE details, `,00` zeros); the distributors are
 * invented (CNPJs 99…), the REH text says SINTÉTICA and every value is made up. Never load it as data.
 */
const SHAPES: ReadonlyArray<
  readonly [
    base: string,
    subgroup: string,
    modality: string,
    cls: string,
    sub: string,
    detail: string,
    posto: string,
    unit: string,
  ]
> = [
  [
    'Tarifa de Aplicação',
    'B1',
    'Convencional',
    'Residencial',
    'Residencial',
    'Não se aplica',
    'Não se aplica',
    'MWh',
  ],
  [
    'Base Econômica',
    'B1',
    'Convencional',
    'Residencial',
    'Residencial',
    'Não se aplica',
    'Não se aplica',
    'MWh',
  ],
  ['Tarifa de Aplicação', 'B1', 'Convencional', 'Residencial', 'Residencial', 'SCEE', 'Não se aplica', 'MWh'],
  [
    'Tarifa de Aplicação',
    'B1',
    'Convencional',
    'Residencial',
    'Baixa Renda',
    'Não se aplica',
    'Não se aplica',
    'MWh',
  ],
  [
    'Tarifa de Aplicação',
    'B1',
    'Convencional',
    'Residencial',
    'Residencial Tarifa Social – faixa 01',
    'Não se aplica',
    'Não se aplica',
    'MWh',
  ],
  ['Tarifa de Aplicação', 'B1', 'Branca', 'Residencial', 'Residencial', 'Não se aplica', 'Ponta', 'MWh'],
  [
    'Tarifa de Aplicação',
    'B1',
    'Branca',
    'Residencial',
    'Residencial',
    'Não se aplica',
    'Intermediário',
    'MWh',
  ],
  ['Tarifa de Aplicação', 'B1', 'Branca', 'Residencial', 'Residencial', 'Não se aplica', 'Fora ponta', 'MWh'],
  [
    'Tarifa de Aplicação',
    'B2',
    'Convencional',
    'Rural',
    'Cooperativa de eletrificação rural',
    'Não se aplica',
    'Não se aplica',
    'MWh',
  ],
  [
    'Tarifa de Aplicação',
    'B3',
    'Convencional',
    'Não se aplica',
    'Não se aplica',
    'Não se aplica',
    'Não se aplica',
    'MWh',
  ],
  ['Tarifa de Aplicação', 'A2', 'Azul', 'Não se aplica', 'Não se aplica', 'APE', 'Fora ponta', 'kW'],
  ['Tarifa de Aplicação', 'A4', 'Verde', 'Não se aplica', 'Não se aplica', 'Não se aplica', 'Ponta', 'MWh'],
];

function brDecimal(cents: number): string {
  if (cents === 0) return ',00';
  const s = String(cents).padStart(3, '0');
  return `${s.slice(0, -2)},${s.slice(-2)}`;
}

/** Writes `rows` synthetic tariff lines to `path`; resolves with the file size in bytes. */
export async function writeSyntheticTariffCsv(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (line: string) => {
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(`${TARIFF_COLUMNS.map((c) => `"${c}"`).join(';')}\r\n`);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < rows; i++) {
    const shape = SHAPES[i % SHAPES.length]!;
    const distributor = Math.floor(i / (SHAPES.length * 20));
    const period = Math.floor(i / SHAPES.length) % 20;
    const year = 2007 + period;
    const cnpj = `99${String(distributor).padStart(12, '0')}`;
    const reh = `RESOLUÇÃO HOMOLOGATÓRIA SINTÉTICA Nº ${(1000 + period * 97 + (distributor % 97)).toLocaleString('pt-BR')}, DE 20 DE MAIO DE ${year}`;
    const tusd = shape[7] === 'kW' ? Math.floor(rand() * 3000) : Math.floor(20000 + rand() * 80000);
    const te = shape[7] === 'kW' || i % 997 === 0 ? 0 : Math.floor(15000 + rand() * 30000);
    const fields = [
      '2026-09-30',
      reh,
      `SINT-${distributor}`,
      cnpj,
      `${year}-05-28`,
      `${year + 1}-05-27`,
      shape[0],
      shape[1],
      shape[2],
      shape[3],
      shape[4],
      shape[5],
      shape[6],
      shape[7],
      'Não se aplica',
      brDecimal(tusd),
      brDecimal(te),
    ];
    await write(`${fields.map((f) => `"${f}"`).join(';')}\r\n`);
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
