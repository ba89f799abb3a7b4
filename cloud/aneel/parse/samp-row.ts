import { SAMP_COLUMNS } from './columns.ts';
import {
  columnCountRejection,
  isRejection,
  readCompetenceMonth,
  readGeneratedOn,
  requiredDecimal,
} from './record-fields.ts';
import { type RowResult, reject } from './row-result.ts';
import { canonicalText, cleanText, foldKey, parseCnpj } from './vocabulary.ts';

export interface SampRow {
  cnpj: string;
  month: string;
  marketType: string;
  energyOption: string;
  modality: string;
  subgroup: string;
  consumerClass: string;
  subclass: string;
  posto: string;
  metric: string;
  sigAgente: string;
  classKey: string;
  metricKey: string;
  refaturamento: boolean;
  value: string;
  generatedOn: string | null;
}

/**
 * One record of a SAMP year file (aneel.md §4). `refaturamento` marks energy billed again from earlier
 * months (never added to a month); the folded keys let both `Número de consumidores` spellings meet.
 */
export function mapSampRecord(v: Record<string, string>, fieldCount: number): RowResult<SampRow> {
  const badCount = columnCountRejection(fieldCount, SAMP_COLUMNS);
  if (badCount) return badCount;
  const cnpj = parseCnpj(v.NumCNPJAgenteDistribuidora ?? '');
  if (!cnpj)
    return reject('bad_cnpj', `NumCNPJAgenteDistribuidora ${JSON.stringify(v.NumCNPJAgenteDistribuidora)}`);
  const month = readCompetenceMonth(v);
  if (isRejection(month)) return month;
  const generatedOn = readGeneratedOn(v);
  if (isRejection(generatedOn)) return generatedOn;
  const value = requiredDecimal('VlrMercado', (v.VlrMercado ?? '').trim());
  if (isRejection(value)) return value;
  const marketType = cleanText(v.NomTipoMercado ?? '');
  const consumerClass = canonicalText(v.DscClasseConsumoMercado ?? '');
  const metric = cleanText(v.DscDetalheMercado ?? '');
  return {
    ok: true,
    row: {
      cnpj,
      month,
      marketType,
      energyOption: cleanText(v.DscOpcaoEnergia ?? ''),
      modality: canonicalText(v.DscModalidadeTarifaria ?? ''),
      subgroup: cleanText(v.DscSubGrupoTarifario ?? ''),
      consumerClass,
      subclass: canonicalText(v.DscSubClasseConsumidor ?? ''),
      posto: canonicalText(v.DscPostoTarifario ?? ''),
      metric,
      sigAgente: cleanText(v.SigAgenteDistribuidora ?? ''),
      classKey: foldKey(consumerClass),
      metricKey: foldKey(metric),
      refaturamento: foldKey(marketType).includes('refaturamento'),
      value,
      generatedOn,
    },
  };
}
