import { parseAneelDate } from './br-date.ts';
import { parseBrDecimal } from './br-number.ts';
import { SAMP_COLUMNS } from './columns.ts';
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
  if (fieldCount !== SAMP_COLUMNS.length) {
    return reject('column_count', `${fieldCount} fields, expected ${SAMP_COLUMNS.length}`);
  }
  const cnpj = parseCnpj(v.NumCNPJAgenteDistribuidora ?? '');
  if (!cnpj)
    return reject('bad_cnpj', `NumCNPJAgenteDistribuidora ${JSON.stringify(v.NumCNPJAgenteDistribuidora)}`);
  const month = parseAneelDate(v.DatCompetencia ?? '');
  if (!month) return reject('bad_date', `DatCompetencia ${JSON.stringify(v.DatCompetencia)}`);
  if (!month.endsWith('-01')) return reject('not_first_of_month', `DatCompetencia ${month}`);
  const generatedOn = parseAneelDate(v.DatGeracaoConjuntoDados ?? '');
  if (generatedOn === undefined)
    return reject('bad_date', `DatGeracaoConjuntoDados ${JSON.stringify(v.DatGeracaoConjuntoDados)}`);
  const raw = (v.VlrMercado ?? '').trim();
  const value = parseBrDecimal(raw);
  if (value === undefined) return reject('bad_number', `VlrMercado ${JSON.stringify(raw)}`);
  if (value === null) return reject('missing_value', 'VlrMercado is empty');
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
