import { parseAneelDate } from './br-date.ts';
import { parseBrDecimal } from './br-number.ts';
import { FLAG_COLUMNS, FLAG_LEVEL_COLUMNS } from './columns.ts';
import { type RowResult, reject } from './row-result.ts';
import { cleanText, foldKey } from './vocabulary.ts';

const FLAGS = ['Verde', 'Amarela', 'Vermelha P1', 'Vermelha P2', 'Escassez Hídrica'];
const FLAG_BY_KEY = new Map(FLAGS.map((f) => [foldKey(f), f]));

/** The flag names as published, with folded copies (`Escassez Hidrica`, `VERDE`) mapped back. */
export function canonicalFlag(raw: string): string {
  const s = cleanText(raw);
  return FLAG_BY_KEY.get(foldKey(s)) ?? s;
}

export interface FlagRow {
  month: string;
  flag: string;
  adicional: string;
  valueRaw: string;
  generatedOn: string | null;
}

/** One record of `bandeira-tarifaria-acionamento.csv` (aneel.md §3a); the value is R$/MWh. */
export function mapFlagRecord(v: Record<string, string>, fieldCount: number): RowResult<FlagRow> {
  if (fieldCount !== FLAG_COLUMNS.length) {
    return reject('column_count', `${fieldCount} fields, expected ${FLAG_COLUMNS.length}`);
  }
  const month = parseAneelDate(v.DatCompetencia ?? '');
  if (!month) return reject('bad_date', `DatCompetencia ${JSON.stringify(v.DatCompetencia)}`);
  if (!month.endsWith('-01')) return reject('not_first_of_month', `DatCompetencia ${month}`);
  const generatedOn = parseAneelDate(v.DatGeracaoConjuntoDados ?? '');
  if (generatedOn === undefined)
    return reject('bad_date', `DatGeracaoConjuntoDados ${JSON.stringify(v.DatGeracaoConjuntoDados)}`);
  const valueRaw = (v.VlrAdicionalBandeira ?? '').trim();
  const adicional = parseBrDecimal(valueRaw);
  if (adicional === undefined)
    return reject('bad_number', `VlrAdicionalBandeira ${JSON.stringify(valueRaw)}`);
  if (adicional === null) return reject('missing_value', 'VlrAdicionalBandeira is empty');
  const flag = canonicalFlag(v.NomBandeiraAcionada ?? '');
  if (!flag) return reject('missing_value', 'NomBandeiraAcionada is empty');
  return { ok: true, row: { month, flag, adicional, valueRaw, generatedOn } };
}

export interface FlagLevelRow {
  validFrom: string;
  flag: string;
  resolution: string;
  adicional: string;
  valueRaw: string;
  generatedOn: string | null;
}

/**
 * One record of the "adicional por patamar" file (aneel.md §3b). Its dictionary says R$/kWh but the values
 * are R$/MWh (18,85 for Amarela), so they are stored as R$/MWh.
 */
export function mapFlagLevelRecord(v: Record<string, string>, fieldCount: number): RowResult<FlagLevelRow> {
  if (fieldCount !== FLAG_LEVEL_COLUMNS.length) {
    return reject('column_count', `${fieldCount} fields, expected ${FLAG_LEVEL_COLUMNS.length}`);
  }
  const validFrom = parseAneelDate(v.DatVigencia ?? '');
  if (!validFrom) return reject('bad_date', `DatVigencia ${JSON.stringify(v.DatVigencia)}`);
  const generatedOn = parseAneelDate(v.DatGeracaoConjuntoDados ?? '');
  if (generatedOn === undefined)
    return reject('bad_date', `DatGeracaoConjuntoDados ${JSON.stringify(v.DatGeracaoConjuntoDados)}`);
  const valueRaw = (v.VlrAdicionalBandeiraRSMWh ?? '').trim();
  const adicional = parseBrDecimal(valueRaw);
  if (adicional === undefined)
    return reject('bad_number', `VlrAdicionalBandeiraRSMWh ${JSON.stringify(valueRaw)}`);
  if (adicional === null) return reject('missing_value', 'VlrAdicionalBandeiraRSMWh is empty');
  const flag = canonicalFlag(v.NomBandeiraAcionada ?? '');
  if (!flag) return reject('missing_value', 'NomBandeiraAcionada is empty');
  return {
    ok: true,
    row: { validFrom, flag, resolution: cleanText(v.DscResolucao ?? ''), adicional, valueRaw, generatedOn },
  };
}
