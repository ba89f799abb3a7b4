import { parseAneelDate } from './br-date.ts';
import { FLAG_COLUMNS, FLAG_LEVEL_COLUMNS } from './columns.ts';
import {
  columnCountRejection,
  isRejection,
  readCompetenceMonth,
  readGeneratedOn,
  requiredDecimal,
} from './record-fields.ts';
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
  const badCount = columnCountRejection(fieldCount, FLAG_COLUMNS);
  if (badCount) return badCount;
  const month = readCompetenceMonth(v);
  if (isRejection(month)) return month;
  const generatedOn = readGeneratedOn(v);
  if (isRejection(generatedOn)) return generatedOn;
  const valueRaw = (v.VlrAdicionalBandeira ?? '').trim();
  const adicional = requiredDecimal('VlrAdicionalBandeira', valueRaw);
  if (isRejection(adicional)) return adicional;
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
  const badCount = columnCountRejection(fieldCount, FLAG_LEVEL_COLUMNS);
  if (badCount) return badCount;
  const validFrom = parseAneelDate(v.DatVigencia ?? '');
  if (!validFrom) return reject('bad_date', `DatVigencia ${JSON.stringify(v.DatVigencia)}`);
  const generatedOn = readGeneratedOn(v);
  if (isRejection(generatedOn)) return generatedOn;
  const valueRaw = (v.VlrAdicionalBandeiraRSMWh ?? '').trim();
  const adicional = requiredDecimal('VlrAdicionalBandeiraRSMWh', valueRaw);
  if (isRejection(adicional)) return adicional;
  const flag = canonicalFlag(v.NomBandeiraAcionada ?? '');
  if (!flag) return reject('missing_value', 'NomBandeiraAcionada is empty');
  return {
    ok: true,
    row: { validFrom, flag, resolution: cleanText(v.DscResolucao ?? ''), adicional, valueRaw, generatedOn },
  };
}
